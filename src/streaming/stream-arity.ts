// How many arguments each public method of the streaming API takes (method-arity.ts's tables,
// for DStream with its pair methods, StreamingContext with its static getOrCreate, StateSpec and
// the clocks): dstream.map(f, opts, 3) and ssc.start(1) are refused naming the method, not run
// with the extra argument dropped. Each class applies its table where it is defined.

import { action, type ArityTable } from '../method-arity.js';
import type { DStream } from './dstream.js';
import type { StreamingContext } from './streaming-context.js';
import type { StateSpec } from './state-spec.js';
import type { ManualClock, SystemClock } from './clock.js';

export const DSTREAM_ARITY: ArityTable<DStream<unknown>> = {
  derive: 'internal',
  isTimeValid: 'internal',
  getOrCompute: 'internal',
  clearMetadata: 'internal',
  setName: 1,
  toString: 0,
  // per batch
  map: 2,
  filter: 2,
  flatMap: 2,
  mapPartitions: 2,
  transform: 1,
  transformWith: 2,
  union: 1,
  glom: 0,
  repartition: 1,
  reduce: 2,
  countByValue: 1,
  count: 0,
  // windows: f, invF, windowMs, slideMs?, opts?
  window: 2,
  reduceByWindow: 5,
  countByWindow: 2,
  countByValueAndWindow: 3,
  stateSnapshots: 0,
  // generated RDDs, persistence and checkpoints
  remember: 1,
  slice: 2,
  persist: 1,
  cache: 0,
  checkpoint: 1,
  // outputs
  foreachRDD: 1,
  print: 1,
  saveAsTextFiles: 2,
  saveAsObjectFiles: 2,
  // pair methods (PairDStreamFunctions)
  mapValues: 2,
  flatMapValues: 2,
  groupByKey: 1,
  reduceByKey: 2,
  combineByKey: 4,
  join: 2,
  leftOuterJoin: 2,
  rightOuterJoin: 2,
  fullOuterJoin: 2,
  cogroup: 2,
  reduceByKeyAndWindow: 5,
  groupByKeyAndWindow: 3,
  updateStateByKey: 2,
  mapWithState: 1,
};

export const STREAMING_CONTEXT_ARITY: ArityTable<StreamingContext> = {
  checkpoint: 1,
  getCheckpointDir: 0,
  getState: 0,
  queueStream: 2,
  textFileStream: 1,
  fileStream: 2,
  socketTextStream: 2,
  start: action(0),
  awaitTermination: action(1),
  awaitTerminationOrTimeout: action(1),
  remember: 1,
  stop: action(1),
  on: 2,
  off: 2,
  emitBatchStarted: 'internal',
  emitBatchCompleted: 'internal',
  reportError: 'internal',
  fail: 'internal',
};

/** StreamingContext's static methods, named `StreamingContext.getOrCreate` as Spark's. */
export const STREAMING_CONTEXT_STATIC_ARITY: ArityTable<typeof StreamingContext> = {
  getOrCreate: action(2),
};

export const STATE_SPEC_ARITY: ArityTable<StateSpec<unknown, unknown, unknown, unknown>> = {
  timeout: 1,
  initialState: 1,
  numPartitions: 1,
  partitionBy: 1,
};

export const STATE_SPEC_STATIC_ARITY: ArityTable<typeof StateSpec> = {
  function: 2,
};

export const MANUAL_CLOCK_ARITY: ArityTable<ManualClock> = {
  now: 0,
  advance: action(1),
  setTime: action(1),
  moveTo: 'internal',
  setListener: 'internal',
};

export const SYSTEM_CLOCK_ARITY: ArityTable<SystemClock> = {
  now: 0,
};
