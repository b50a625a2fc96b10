// KindlingError: the one error class the engine raises, with a closed union of
// stable codes and a structured context saying where it happened. Messages are
// built by the factories below, so every error names what failed and where.

export type ErrorCode =
  | 'TASK_NOT_SERIALIZABLE'
  | 'CHECKPOINT_DIR_NOT_SET'
  | 'CHECKPOINT_NOT_FOUND'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_PARTITION_MISMATCH'
  | 'TASK_FAILED'
  | 'JOB_CANCELLED'
  | 'CONTEXT_STOPPED'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED_OPERATION'
  | 'RESULT_NOT_CLONEABLE'
  | 'FETCH_FAILED'
  | 'STREAMING_CHECKPOINT_INCOMPATIBLE'
  | 'STREAMING_STATE_ERROR'
  | 'STREAMING_BATCH_FAILED'
  | 'STREAMING_CHECKPOINT_WRITE_FAILED'
  /** A Kindling bug: an invariant of the engine does not hold (never the user's mistake). */
  | 'INTERNAL'
  | 'IO_ERROR'
  | 'CLUSTER_UNREACHABLE';

export interface ErrorContext {
  rddId?: number;
  rddName?: string;
  partitionIndex?: number;
  stageId?: number;
  attempt?: number;
  path?: string;
  frame?: number;
  argument?: string;
  variable?: string;
  operator?: string;
  batchTimeMs?: number;
  /**
   * The operating system's error code of an IO_ERROR (ENOSPC, EIO, ...), or S3's (NoSuchBucket,
   * ...); of a CLUSTER_UNREACHABLE, the socket's (ECONNREFUSED) or Redis's (NOAUTH, WRONGPASS).
   */
  errno?: string;
  /**
   * IO_ERROR: the file is an input the job reads (textFile, wholeTextFiles, ...), not one the
   * engine writes, so another attempt would read it as it is: the job fails at once.
   */
  input?: boolean;
  /** Cluster mode: the master URL, its password replaced by '***'. */
  url?: string;
}

export class KindlingError extends Error {
  override readonly name = 'KindlingError';
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.context = context;
  }
}

export function isKindlingError(e: unknown, code?: ErrorCode): e is KindlingError {
  return e instanceof KindlingError && (code === undefined || e.code === code);
}

/** A short, printable description of any received value, for argument errors. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = value.constructor;
  return ctor && ctor !== Object ? `a ${ctor.name}` : 'an object';
}

export function rddLabel(rddId: number, rddName?: string): string {
  return rddName === undefined ? `RDD ${rddId}` : `RDD ${rddId} (${rddName})`;
}

/** Where a failed task ran, as errors.taskFailed and errors.inTask begin their messages. */
function taskFailedIn(
  rddId: number,
  rddName: string | undefined,
  partitionIndex: number,
  stageId: number,
  attempt: number,
): string {
  return (
    `Task failed in ${rddLabel(rddId, rddName)} partition ${partitionIndex}, ` +
    `stage ${stageId} attempt ${attempt}`
  );
}

function notSerializableAdvice(
  where: string,
  variable: string,
  usage: 'value' | 'call' | 'new',
): string {
  switch (usage) {
    case 'new':
      return (
        `Define the class '${variable}' inside the function, or load it there with ` +
        'require()/import() of its module by absolute path. Instances must become plain data ' +
        'before records leave the worker.'
      );
    case 'call':
      return (
        `Define '${variable}' inside the function, or pass it through env and call it from ` +
        `there: ${where}((..., env) => ... env.${variable}(...) ..., { env: { ${variable} } }) ` +
        '(a function in env travels as source, under the same rules), or name an exported ' +
        `function with fn(module, '${variable}').`
      );
    case 'value':
      return (
        `Pass it through env instead: ${where}((..., env) => ... env.${variable} ..., ` +
        `{ env: { ${variable} } })`
      );
  }
}

export const errors = {
  invalidArgument(argument: string, expected: string, received: unknown): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument ${argument}: expected ${expected}, received ${describeValue(received)}`,
      { argument },
    );
  },

  /** An argument past the `most` that `method` takes (JavaScript would drop it). */
  tooManyArguments(method: string, most: number, first: unknown): KindlingError {
    const expected =
      most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`;
    return errors.invalidArgument(`${method} argument ${most + 1}`, expected, first);
  },

  /** A Broadcast or accumulator in env made by another Context: ids are per Context. */
  handleOfAnotherContext(
    argument: string,
    kind: 'Broadcast' | 'Accumulator',
    handle: string,
  ): KindlingError {
    const article = kind === 'Broadcast' ? 'a' : 'an';
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument ${argument}: expected ${article} ${kind} of this Context, received ${handle}, ` +
        'which belongs to another Context (a handle is used only by the Context that made it)',
      { argument },
    );
  },

  /**
   * Advice that works for what the variable is: a value goes through env; a function it calls
   * may also move inside, travel in env (as source, under the same check) or be named by fn().
   * A helper that itself sits in env receives no env: its free variables must move inside it.
   */
  /** `origin`: where the function is in the user's code (`defined at job.ts:7:48`), if known. */
  notSerializable(
    where: string,
    variable: string,
    usage: 'value' | 'call' | 'new',
    role: 'callback' | 'env',
    origin?: string,
  ): KindlingError {
    const at = origin === undefined ? '' : ` (${origin})`;
    const message =
      role === 'env'
        ? `The function ${where}${at} uses the free variable '${variable}', which cannot travel to a ` +
          `worker thread: a function in env travels as its source alone. Define '${variable}' ` +
          'inside it, or pass it as an argument when calling it.'
        : `The function passed to ${where}${at} uses the free variable '${variable}', which cannot ` +
          `travel to a worker thread. ${notSerializableAdvice(where, variable, usage)}`;
    return new KindlingError('TASK_NOT_SERIALIZABLE', message, { variable });
  },

  /** A record a structured clone would strip of its class (README, "Records"). */
  recordLosesClass(where: string, className: string, rddId?: number): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid record in ${where}: an instance of class ${className}, whose methods and accessors ` +
        'would be lost when it leaves its thread (records cross threads by structured clone). ' +
        'Records must be plain data: primitives, plain objects, arrays, Map, Set, Date, typed ' +
        `arrays; e.g. map((r) => ({ ...r })), and rebuild the ${className} where it is used`,
      rddId === undefined ? { argument: 'record' } : { argument: 'record', rddId },
    );
  },

  notShippable(where: string, reason: string, origin?: string): KindlingError {
    const at = origin === undefined ? '' : ` (${origin})`;
    return new KindlingError(
      'TASK_NOT_SERIALIZABLE',
      `The function passed to ${where}${at} cannot travel to a worker thread: ${reason}`,
    );
  },

  functionRefInvalid(
    module: string,
    exportName: string,
    why: string,
    cause?: unknown,
  ): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument fn(${JSON.stringify(module)}, ${JSON.stringify(exportName)}): ${why}`,
      { argument: 'fn' },
      cause,
    );
  },

  /** A custom accumulator's merge threw on the main thread, merging a task's value; `accumulator` as accumulatorLabel names it. */
  accumulatorMergeFailed(accumulator: string, cause: unknown): KindlingError {
    const why = cause instanceof Error ? cause.message : describeValue(cause);
    return new KindlingError(
      'TASK_FAILED',
      `The merge function of ${accumulator} threw while merging a task's value: ${why}`,
      {},
      cause,
    );
  },

  /**
   * A long accumulator whose total would pass 2^53 - 1 in magnitude, where a double no longer
   * holds every integer: refused, never rounded. `by`: a call of add (on the main thread, or in
   * a task, whose additions are summed before the main thread merges them), or that merge.
   */
  accumulatorTotalUnsafe(
    accumulator: string,
    total: number,
    n: number,
    by: 'add' | 'merge',
  ): KindlingError {
    const why =
      `adding ${n} to a total of ${total} passes 2^53 - 1 (${Number.MAX_SAFE_INTEGER}) in ` +
      'magnitude, past which a double no longer holds every integer (ctx.doubleAccumulator ' +
      'sums past it, rounding)';
    if (by === 'merge') {
      return new KindlingError(
        'TASK_FAILED',
        `Cannot merge a task's additions into ${accumulator}: ${why}`,
      );
    }
    const argument = `${accumulator} add n`;
    return new KindlingError('INVALID_ARGUMENT', `Invalid argument ${argument}: ${why}`, {
      argument,
    });
  },

  /** A custom Partitioner's function gave what is not a partition number for `key`. */
  partitionOutOfRange(
    partitioner: string,
    key: unknown,
    got: unknown,
    numPartitions: number,
  ): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `${partitioner} gave ${describeValue(got)} for key ${describeValue(key)}: expected an ` +
        `integer partition in [0, ${numPartitions})`,
      { argument: 'getPartition' },
    );
  },

  checkpointDirNotSet(rddId: number, rddName?: string): KindlingError {
    return new KindlingError(
      'CHECKPOINT_DIR_NOT_SET',
      `Cannot checkpoint ${rddLabel(rddId, rddName)}: no checkpoint directory is set. ` +
        `Call ctx.setCheckpointDir(dir) or pass { checkpointDir } to new Context()`,
      { rddId },
    );
  },

  checkpointNotFound(path: string, why: string): KindlingError {
    return new KindlingError('CHECKPOINT_NOT_FOUND', `No checkpoint at ${path}: ${why}`, { path });
  },

  checkpointCorrupt(path: string, why: string, context: ErrorContext = {}): KindlingError {
    const frame = context.frame === undefined ? '' : ` (frame ${context.frame})`;
    return new KindlingError(
      'CHECKPOINT_CORRUPT',
      `Corrupt checkpoint file ${path}${frame}: ${why}`,
      {
        ...context,
        path,
      },
    );
  },

  /** A record batch that cannot be decoded; frame readers rewrap it naming file and frame. */
  recordBatchCorrupt(why: string, cause?: unknown): KindlingError {
    return new KindlingError('CHECKPOINT_CORRUPT', `Corrupt record batch: ${why}`, {}, cause);
  },

  checkpointPartitionMismatch(path: string, expected: number, found: number): KindlingError {
    return new KindlingError(
      'CHECKPOINT_PARTITION_MISMATCH',
      `Checkpoint ${path} has ${found} partitions but the original RDD has ${expected}`,
      { path },
    );
  },

  taskFailed(
    rddId: number,
    rddName: string | undefined,
    partitionIndex: number,
    stageId: number,
    attempt: number,
    cause: Error,
  ): KindlingError {
    const where = { rddId, ...(rddName === undefined ? {} : { rddName }), partitionIndex };
    return new KindlingError(
      'TASK_FAILED',
      `${taskFailedIn(rddId, rddName, partitionIndex, stageId, attempt)}: ${cause.message}`,
      { ...where, stageId, attempt },
      cause,
    );
  },

  /**
   * A task's error that fails the job with its own code (an input file that cannot be read is
   * an IO_ERROR), named where the task ran as taskFailed names it; `cause`, the task's error.
   */
  inTask(
    cause: KindlingError,
    rddId: number,
    rddName: string | undefined,
    partitionIndex: number,
    stageId: number,
    attempt: number,
  ): KindlingError {
    const where = { rddId, ...(rddName === undefined ? {} : { rddName }), partitionIndex };
    return new KindlingError(
      cause.code,
      `${taskFailedIn(rddId, rddName, partitionIndex, stageId, attempt)}: ${cause.message}`,
      { ...cause.context, ...where, stageId, attempt },
      cause,
    );
  },

  /** One key's values over what a task may hold for one key: spilling cannot split a group. */
  groupTooLarge(
    rddId: number,
    partitionIndex: number,
    estimatedBytes: number,
    limitBytes: number,
    workerMemoryMb: number,
  ): KindlingError {
    const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
    return new KindlingError(
      'TASK_FAILED',
      `One key's group in ${rddLabel(rddId)} partition ${partitionIndex} is about ` +
        `${mb(estimatedBytes)} MB, over the memory budget of ${mb(limitBytes)} MB for one key ` +
        `(workerMemoryMb: ${workerMemoryMb}). A single key's values must fit in one task: ` +
        `raise workerMemoryMb, combine with reduceByKey or aggregateByKey instead of ` +
        `grouping, or spread the hot key (salt it and combine twice)`,
      { rddId, partitionIndex },
    );
  },

  resultNotCloneable(rddId: number, partitionIndex: number, detail: string): KindlingError {
    return new KindlingError(
      'RESULT_NOT_CLONEABLE',
      `The result of ${rddLabel(rddId)} partition ${partitionIndex} cannot be sent between threads: ${detail}`,
      { rddId, partitionIndex },
    );
  },

  /** `by`: what cancelled it, e.g. "cancelAllJobs()". */
  jobCancelled(jobId: number, by: string): KindlingError {
    return new KindlingError('JOB_CANCELLED', `Job ${jobId} was cancelled by ${by}`);
  },

  /** A job running when its Context stopped (Spark: "cancelled because SparkContext was shut down"). */
  jobCancelledByStop(jobId: number): KindlingError {
    return new KindlingError(
      'JOB_CANCELLED',
      `Job ${jobId} was cancelled: the Context was stopped (ctx.stop()) while it ran`,
    );
  },

  eventLogUnusable(dir: string, why: string, cause?: unknown): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument options.eventLogDir: cannot write event logs to ${dir}: ${why}`,
      { argument: 'options.eventLogDir', path: dir },
      cause,
    );
  },

  contextStopped(what: string): KindlingError {
    return new KindlingError('CONTEXT_STOPPED', `Cannot ${what}: the Context has been stopped`);
  },

  /** rdd.pipe's command: one that cannot start is a bad argument; a failed run fails the task. */
  pipeCommandFailed(command: string, why: string, started: boolean): KindlingError {
    return new KindlingError(
      started ? 'TASK_FAILED' : 'INVALID_ARGUMENT',
      `rdd.pipe command '${command}' ${why}`,
      { argument: 'command' },
    );
  },

  unsupported(message: string, context: ErrorContext = {}): KindlingError {
    return new KindlingError('UNSUPPORTED_OPERATION', message, context);
  },

  /** An engine invariant that does not hold: a Kindling bug, reported as such. */
  internal(what: string, context: ErrorContext = {}): KindlingError {
    return new KindlingError(
      'INTERNAL',
      `Internal error in Kindling (a bug, not a mistake in your program): ${what}`,
      context,
    );
  },

  /**
   * A shuffle block that could not be fetched from storage (an `s3://` map output object
   * missing, short or damaged): the scheduler recomputes that map output (FETCH_FAILED), as
   * for a local shuffle file (workers/task-errors.ts FetchFailedError, same wording).
   */
  shuffleFetchFailed(
    block: { shuffleId: number; mapIndex: number; reduceIndex: number; path: string },
    why: string,
    cause?: unknown,
  ): KindlingError {
    return new KindlingError(
      'FETCH_FAILED',
      `Cannot read shuffle ${block.shuffleId} map output ${block.mapIndex} for reduce partition ` +
        `${block.reduceIndex} from ${block.path}: ${why}`,
      { path: block.path, partitionIndex: block.reduceIndex },
      cause,
    );
  },

  /**
   * An input file of the job (textFile, wholeTextFiles, ...) that a task cannot read: deleted,
   * replaced by a directory or unreadable since the job listed it. Marked `input`: the job fails
   * at once (scheduler/retry-policy.ts), another attempt would read the same file.
   */
  inputUnreadable(file: string, why: string, errno?: string, cause?: unknown): KindlingError {
    return new KindlingError(
      'IO_ERROR',
      `Cannot read the input file ${file}: ${why}`,
      { path: file, ...(errno === undefined ? {} : { errno }), input: true },
      cause,
    );
  },

  /** A file-system call that failed: `action` says what the engine was doing, `why` what went wrong. */
  io(action: string, file: string, why: string, errno?: string, cause?: unknown): KindlingError {
    return new KindlingError(
      'IO_ERROR',
      `Cannot ${action} ${file}: ${why}`,
      errno === undefined ? { path: file } : { path: file, errno },
      cause,
    );
  },

  /** A path argument that cannot be what it must be (a directory under a file, ...). */
  badPath(argument: string, expected: string, file: string, why: string): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument ${argument}: expected ${expected}, received ${JSON.stringify(file)}: ${why}`,
      { argument, path: file },
    );
  },

  /** An output path that exists (or appeared while the job ran): Spark's FileAlreadyExistsException. */
  outputExists(argument: string, file: string, when: string): KindlingError {
    return new KindlingError(
      'INVALID_ARGUMENT',
      `Invalid argument ${argument}: expected a path that does not exist yet, but ${file} ${when}`,
      { argument, path: file },
    );
  },

  /** Cluster mode: Redis did not answer; `url` has its password already redacted. */
  /** `errno`: the socket's (ECONNREFUSED, ENOTFOUND, ...) or Redis's refusal (NOAUTH, WRONGPASS). */
  clusterUnreachable(url: string, detail: string, errno?: string): KindlingError {
    return new KindlingError(
      'CLUSTER_UNREACHABLE',
      `Cannot reach the cluster master ${url}: ${detail}`,
      errno === undefined ? { url } : { url, errno },
    );
  },
};

/** Errors of streaming (src/streaming/): operators are named by their stable graph key. */
export const streamingErrors = {
  checkpointIncompatible(operator: string, why: string): KindlingError {
    return new KindlingError(
      'STREAMING_CHECKPOINT_INCOMPATIBLE',
      `Cannot recover the streaming checkpoint into this graph: ${why}`,
      { operator },
    );
  },

  checkpointDirNotSet(operator: string): KindlingError {
    return new KindlingError(
      'CHECKPOINT_DIR_NOT_SET',
      `The stateful stream ${operator} needs a checkpoint directory: call ssc.checkpoint(dir) before start()`,
      { operator },
    );
  },

  stateError(message: string): KindlingError {
    return new KindlingError('STREAMING_STATE_ERROR', message);
  },

  illegalState(message: string): KindlingError {
    return new KindlingError('UNSUPPORTED_OPERATION', message);
  },

  batchFailed(batchTimeMs: number, where: string, cause: unknown): KindlingError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new KindlingError(
      'STREAMING_BATCH_FAILED',
      `Batch ${batchTimeMs} ms failed in ${where}: ${why}`,
      { batchTimeMs },
      cause,
    );
  },

  /** An engine error that failed batch `batchTimeMs`: its code kept, the batch and the step named, the user's error still the cause. */
  inBatch(e: KindlingError, batchTimeMs: number, where: string): KindlingError {
    return new KindlingError(
      e.code,
      `Batch ${batchTimeMs} ms failed in ${where}: ${e.message}`,
      { ...e.context, batchTimeMs },
      e.cause ?? e,
    );
  },

  metadataWriteFailed(file: string, attempts: number, cause: unknown): KindlingError {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new KindlingError(
      'STREAMING_CHECKPOINT_WRITE_FAILED',
      `Could not write the streaming checkpoint ${file} after ${attempts} attempts: ${why}`,
      { path: file },
      cause,
    );
  },
};
