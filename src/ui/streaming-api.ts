// The streaming part of the JSON API (Spark's ApiStreamingRootResource): statistics, the kept
// batches newest first, and one batch by id, with Spark's field names (BatchInfo,
// StreamingStatistics) and times in epoch ms as in the rest of this API. Spark's receiver and
// output-operation fields are absent: Kindling's sources are not receivers, and the event log
// records completed batches only (no active batch, no per-operation outcome).

import type { ApiResult } from './api.js';
import type { AppStatusStore } from './app-status-store.js';
import type { StreamingBatchEvent } from '../event-log/event-log-format.js';

export interface BatchInfo {
  /** Spark's batch id: the batch time in ms. */
  batchId: number;
  batchTime: number;
  status: 'COMPLETED';
  batchDuration: number;
  inputSize: number;
  schedulingDelay: number;
  processingTime: number;
  totalDelay: number;
  /** Kindling's own: a batch that was pending when the previous run stopped. */
  replayed: boolean;
  metadataCheckpointTime: number;
  stateCheckpoints: StreamingBatchEvent['stateCheckpoints'];
}

export interface StreamingStatistics {
  /** The batch interval (ms); absent before the first batch completes. */
  batchDuration?: number;
  numTotalCompletedBatches: number;
  numRetainedCompletedBatches: number;
  numProcessedRecords: number;
  /** Averages over the kept batches (records/s and ms), absent when there are none, as Spark's. */
  avgInputRate?: number;
  avgSchedulingDelay?: number;
  avgProcessingTime?: number;
  avgTotalDelay?: number;
}

export function batchInfo(b: StreamingBatchEvent): BatchInfo {
  return {
    batchId: b.batchTimeMs,
    batchTime: b.batchTimeMs,
    status: 'COMPLETED',
    batchDuration: b.batchIntervalMs,
    inputSize: b.records,
    schedulingDelay: b.schedulingDelayMs,
    processingTime: b.processingDelayMs,
    totalDelay: b.totalDelayMs,
    replayed: b.replayed,
    metadataCheckpointTime: b.metadataCheckpointMs,
    stateCheckpoints: b.stateCheckpoints,
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function streamingStatistics(store: AppStatusStore): StreamingStatistics {
  const batches = store.batches;
  const counts = {
    numTotalCompletedBatches: store.streamingTotals.completedBatches,
    numRetainedCompletedBatches: batches.length,
    numProcessedRecords: store.streamingTotals.processedRecords,
  };
  const last = batches[batches.length - 1];
  if (last === undefined) return counts;
  return {
    batchDuration: last.batchIntervalMs,
    ...counts,
    // Spark's avgInputRate: the mean of each batch's records per second of its interval.
    avgInputRate: mean(batches.map((b) => (b.records * 1000) / b.batchIntervalMs)),
    avgSchedulingDelay: mean(batches.map((b) => b.schedulingDelayMs)),
    avgProcessingTime: mean(batches.map((b) => b.processingDelayMs)),
    avgTotalDelay: mean(batches.map((b) => b.totalDelayMs)),
  };
}

/** `rest` is the path after /streaming/: statistics, batches, batches/<batchId>. */
export function streamingApi(store: AppStatusStore, rest: string[]): ApiResult {
  const [what, id, more] = rest;
  if (what === 'statistics' && id === undefined)
    return { kind: 'ok', body: streamingStatistics(store) };
  if (what === 'batches' && (id === undefined || id === ''))
    return { kind: 'ok', body: [...store.batches].reverse().map(batchInfo) };
  if (what === 'batches' && more === undefined) {
    const batch = store.batches.find((b) => String(b.batchTimeMs) === id);
    return batch === undefined
      ? { kind: 'notFound', what: `batch ${id}` }
      : { kind: 'ok', body: batchInfo(batch) };
  }
  return { kind: 'notFound', what: `/streaming/${rest.join('/')}` };
}
