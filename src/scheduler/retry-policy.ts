// What the scheduler does when a task attempt fails, as data: one table from the kind of
// failure to a decision (Spark's TaskEndReason.countTowardsTaskFailures, and FetchFailed
// resubmitting the map stage). The scheduler only carries decisions out.

import type { ErrorCode } from '../shared/errors.js';
import { WORKER_OUT_OF_MEMORY, type TaskResult } from '../shared/protocol.js';

export type FailedResult = Exclude<TaskResult, { kind: 'success' }>;

export type FailureDecision =
  /**
   * Run the task again; the attempt counts toward maxTaskFailures. `outOfMemory`: the worker
   * ran out of heap; MAX_OUT_OF_MEMORY such failures of one task fail the job sooner.
   */
  | { kind: 'retry'; reason?: 'outOfMemory' }
  /**
   * Fail the job at once: retrying cannot help. `asIs`: the worker's KindlingError is the
   * job's error (its code says what is damaged); `taskFailed`: TASK_FAILED naming RDD and
   * partition, with the worker's error as cause; `inTask`: the worker's error with its own
   * code, named with RDD, partition and stage as taskFailed names them.
   */
  | { kind: 'failJob'; report: 'asIs' | 'taskFailed' | 'inTask' }
  /** Recompute that map output, then run the task again; not counted as a task failure. */
  | ({ kind: 'recomputeMapOutput' } & LostMapOutput);

/** A map output a reader failed on; `path`: the file that failed, when it had one. */
export interface LostMapOutput {
  shuffleId: number;
  mapIndex: number;
  path?: string;
}

/** Decisions by the code of a failed task's KindlingError; any other failure is retried. */
const BY_CODE: Partial<Record<ErrorCode, FailureDecision>> = {
  // A damaged reliable checkpoint will not heal by reading it again.
  CHECKPOINT_CORRUPT: { kind: 'failJob', report: 'asIs' },
  CHECKPOINT_NOT_FOUND: { kind: 'failJob', report: 'asIs' },
  // The same result will not clone the next time.
  RESULT_NOT_CLONEABLE: { kind: 'failJob', report: 'asIs' },
  // A record the engine refused (a non-pair into reduceByKey, an object as a key, a string
  // into sum) is refused again: report it now, still naming the RDD and partition.
  INVALID_ARGUMENT: { kind: 'failJob', report: 'taskFailed' },
  // A Kindling bug: retrying hides it.
  INTERNAL: { kind: 'failJob', report: 'asIs' },
  // Raised by the engine in a worker (one key's group over the memory budget): it will be
  // raised again.
  TASK_FAILED: { kind: 'failJob', report: 'taskFailed' },
};

/**
 * Out-of-memory failures of one task before the job fails. Spark retries a task whose
 * executor ran out of memory, and one retry is worth it (the worker may have been shared with
 * a larger task of a batch); the same task running out twice will run out every time.
 */
export const MAX_OUT_OF_MEMORY = 2;

/** Fetch failures of one map output tolerated per task before the job fails (Spark: 4 stage attempts). */
export const MAX_FETCH_FAILURES = 4;

/**
 * An input file that a task could not read (errors.inputUnreadable: gone, a directory now,
 * unreadable) is read the same way by every attempt: fail at once, with IO_ERROR naming the
 * file and where. Spark retries it (a FileNotFoundException counts as a task failure, so the
 * job fails after spark.task.maxFailures attempts), which only delays the same answer here.
 * Other IO_ERRORs (a spill file, the scratch directory) concern files an attempt rewrites:
 * retried.
 */
const INPUT_UNREADABLE: FailureDecision = { kind: 'failJob', report: 'inTask' };

export function decideOnFailure(result: FailedResult): FailureDecision {
  if (result.kind === 'fetchFailed') {
    const { shuffleId, mapIndex, path } = result;
    return {
      kind: 'recomputeMapOutput',
      shuffleId,
      mapIndex,
      ...(path === undefined ? {} : { path }),
    };
  }
  if (result.error.code === WORKER_OUT_OF_MEMORY) return { kind: 'retry', reason: 'outOfMemory' };
  const kindling = result.error.kindling;
  if (kindling === undefined) return { kind: 'retry' };
  if (kindling.code === 'IO_ERROR' && kindling.context.input === true) return INPUT_UNREADABLE;
  return BY_CODE[kindling.code as ErrorCode] ?? { kind: 'retry' };
}
