// How many arguments each public method of RDD and Context takes, checked once for all of them:
// JavaScript drops an argument past a method's parameters, so rdd.take(3, 4) took 3 and
// reduceByKey(f, undefined, 3) ran on the default partitions. Each class applies its table to
// its prototype where it is defined (withArityChecks); the tables' types list every method,
// so a new one does not compile until it has an entry here. The streaming classes' tables
// (streaming/stream-arity.ts) are built from the same types and applied the same way.

import { errors } from './shared/errors.js';
import type { Context } from './context.js';
import type { RDD } from './rdd/rdd.js';

/** At most n arguments; the check throws. */
type Throws = number;
/** A Promise-returning method: the check rejects, as its other argument checks do. */
interface Rejects {
  readonly rejects: number;
}
/** An @internal method, called by the engine only: not wrapped. */
type Internal = 'internal';

type MethodName<C> = {
  [K in keyof C]: C[K] extends (...args: never[]) => unknown ? K : never;
}[keyof C] &
  string;

/** One entry per method; a method returning a Promise must say so (rejects). */
export type ArityTable<C> = {
  [K in MethodName<C>]: C[K] extends (...args: never[]) => PromiseLike<unknown>
    ? Rejects | Internal
    : Throws | Internal;
};

/** The entry of a method returning a Promise that takes at most `most` arguments. */
export const action = (most: number): Rejects => ({ rejects: most });

export const RDD_ARITY: ArityTable<RDD<unknown>> = {
  derive: 'internal',
  isRDD: 'internal',
  getDependenciesForScheduling: 'internal',
  getNumPartitions: 0,
  setName: 1,
  dependencies: 0,
  toDebugString: 0,
  toString: 0,
  // narrow transformations
  map: 2,
  filter: 2,
  flatMap: 2,
  mapPartitions: 2,
  mapPartitionsWithIndex: 2,
  keyBy: 2,
  glom: 0,
  zipWithIndex: 0,
  zipWithUniqueId: 0,
  sample: 3,
  union: 1,
  coalesce: 2,
  repartition: 1,
  cartesian: 1,
  distinct: 1,
  groupBy: 2,
  intersection: 2,
  subtract: 2,
  randomSplit: 2,
  pipe: 1,
  zip: 1,
  // other1, other2?, f, opts?
  zipPartitions: 4,
  sortBy: 3,
  // pair transformations
  mapValues: 2,
  flatMapValues: 2,
  keys: 0,
  values: 0,
  reduceByKey: 2,
  groupByKey: 1,
  combineByKey: 4,
  aggregateByKey: 4,
  foldByKey: 3,
  join: 2,
  leftOuterJoin: 2,
  rightOuterJoin: 2,
  fullOuterJoin: 2,
  // up to three other RDDs, then the options (Spark's)
  cogroup: 4,
  groupWith: Infinity,
  subtractByKey: 2,
  sortByKey: 2,
  partitionBy: 1,
  repartitionAndSortWithinPartitions: 1,
  sampleByKey: 3,
  filterByRange: 2,
  // persistence and checkpoints
  persist: 1,
  cache: 0,
  unpersist: 0,
  getStorageLevel: 0,
  checkpoint: 0,
  localCheckpoint: 0,
  isCheckpointed: 0,
  isLocallyCheckpointed: 0,
  getCheckpointFile: 0,
  // actions
  collect: action(0),
  count: action(0),
  first: action(0),
  take: action(1),
  takeOrdered: action(3),
  top: action(3),
  max: action(2),
  min: action(2),
  reduce: action(2),
  fold: action(3),
  aggregate: action(4),
  treeAggregate: action(4),
  treeReduce: action(2),
  countByKey: action(0),
  countByValue: action(0),
  lookup: action(1),
  foreach: action(2),
  foreachPartition: action(2),
  saveAsTextFile: action(2),
  saveAsObjectFile: action(1),
  isEmpty: action(0),
  takeSample: action(3),
  countApprox: action(2),
  sumApprox: action(2),
  meanApprox: action(2),
  countApproxDistinct: action(1),
  // an async iterator: each partition's job runs when the loop reaches it
  toLocalIterator: 0,
  collectAsMap: action(0),
  reduceByKeyLocally: action(2),
  sum: action(0),
  stats: action(0),
  mean: action(0),
  variance: action(0),
  sampleVariance: action(0),
  stdev: action(0),
  sampleStdev: action(0),
  histogram: action(2),
};

export const CONTEXT_ARITY: ArityTable<Context> = {
  warn: 'internal',
  parallelize: 2,
  range: 4,
  textFile: 2,
  objectFile: 1,
  wholeTextFiles: 2,
  binaryFiles: 2,
  binaryRecords: 3,
  emptyRDD: 0,
  union: 1,
  setCheckpointDir: 1,
  getCheckpointDir: 0,
  checkpointFile: 1,
  broadcast: 1,
  longAccumulator: 1,
  accumulator: 4,
  doubleAccumulator: 1,
  on: 2,
  off: 2,
  cancelAllJobs: 0,
  setLocalProperty: 2,
  getLocalProperty: 1,
  setJobGroup: 2,
  clearJobGroup: 0,
  cancelJobGroup: 1,
  stop: action(0),
  uiWebUrl: action(0),
  runInJobGroup: 'internal',
  newRddId: 'internal',
  peekRddId: 'internal',
  newShuffleId: 'internal',
  registerShuffleOwner: 'internal',
  markPersisted: 'internal',
  unpersist: 'internal',
  markForCheckpoint: 'internal',
  markForLocalCheckpoint: 'internal',
  sampleRangeBounds: 'internal',
  runJob: 'internal',
  recordStreamingBatch: 'internal',
  addEventSink: 'internal',
};

/**
 * Replaces each method of `table` on `proto` (own or inherited) by one that refuses an argument
 * past its count, naming `${prefix}.${name}` and the position, then calls the method. The
 * wrapper bears the method's name: a stack frame (and the call site that toDebugString shows,
 * shipping/call-site.ts) still reads "map".
 */
export function withArityChecks<C>(proto: C, prefix: string, table: ArityTable<C>): void {
  for (const [name, entry] of Object.entries<Throws | Rejects | Internal>(table)) {
    if (entry === 'internal') continue;
    const method: unknown = Reflect.get(proto as object, name);
    if (typeof method !== 'function')
      throw errors.internal(`${prefix}.${name} has an arity entry but is not a method`);
    const rejects = typeof entry === 'object';
    const most = rejects ? entry.rejects : entry;
    const where = `${prefix}.${name}`;
    const checked = {
      [name](this: unknown, ...args: unknown[]): unknown {
        if (args.length > most) {
          const error = errors.tooManyArguments(where, most, args[most]);
          if (rejects) return Promise.reject(error);
          throw error;
        }
        return Reflect.apply(method, this, args);
      },
    }[name];
    Object.defineProperty(proto, name, {
      value: checked,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

/**
 * The same check for a public class's constructor, which no prototype table reaches: called
 * first in the constructor with its `arguments` (`new Context(opts, 4)`, `new ManualClock(0, 1)`).
 */
export function checkConstructorArity(where: string, args: ArrayLike<unknown>, most: number): void {
  if (args.length > most) throw errors.tooManyArguments(where, most, args[most]);
}
