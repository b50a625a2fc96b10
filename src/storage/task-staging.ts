// Task staging: how tasks whose plan or partition names `s3://` storage run on worker threads
// that only read and write local files. Wrapped around the process's TaskRunner and the
// ControlApi its threads call: plans reach the threads with local directories standing for
// remote ones; before a task, its remote inputs are copied in (staged-inputs.ts); after it,
// its outputs are uploaded and the result names their URLs (staged-outputs.ts). A task with
// nothing remote passes through untouched. Local copies live under `root`, per task, and go
// when the task ends; whole input objects (textFile, wholeTextFiles, binaryFiles) are copied
// once per process.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isKindlingError, type KindlingError } from '../shared/errors.js';
import type {
  ControlApi,
  SerializedError,
  StagePlan,
  TaskRequest,
  TaskResult,
} from '../shared/protocol.js';
import type { TaskRunner } from '../scheduler/task-runner.js';
import { ensureDirectory } from '../shared/io-errors.js';
import { errors } from '../shared/errors.js';
import { fetchFailureOf, hasRemoteInput, localNameFor, stageInputs } from './staged-inputs.js';
import { saveOutputOf, stageOutputs } from './staged-outputs.js';
import { s3Store, storeFor } from './stores.js';
import { isS3Url } from './storage-url.js';

export interface TaskStagingOptions {
  /** A local directory of this process for the copies (created on first use). */
  root: string;
  /** Cluster worker processes: memory cache blocks go to remote storage with the rest. */
  memoryBlocksToStorage: boolean;
}

export class TaskStaging {
  private readonly inputs = new Map<string, Promise<string>>();
  private taskCounter = 0;

  constructor(private readonly opts: TaskStagingOptions) {}

  /** The local directory worker threads use for the remote directory `url`. */
  localFor(url: string): string {
    const hash = createHash('sha1').update(url).digest('hex').slice(0, 16);
    return path.join(this.opts.root, 'out', hash);
  }

  /** The plan as threads must see it: remote directories replaced by local ones. */
  localPlan(plan: StagePlan): StagePlan {
    if (!planIsRemote(plan)) return plan;
    const save = saveOutputOf(plan);
    return {
      ...plan,
      ...(save !== undefined && isS3Url(save.dir)
        ? { output: { kind: 'result', action: { ...save, dir: this.localFor(save.dir) } } }
        : {}),
      localDir: isS3Url(plan.localDir) ? this.localFor(plan.localDir) : plan.localDir,
      nodes: plan.nodes.map((n) =>
        n.checkpoint !== undefined && isS3Url(n.checkpoint.dir)
          ? { ...n, checkpoint: { ...n.checkpoint, dir: this.localFor(n.checkpoint.dir) } }
          : n,
      ),
    };
  }

  /** The ControlApi for the threads: the same answers, plans made local. */
  wrapControl(control: ControlApi): ControlApi {
    return {
      getPlan: async (planId) => this.localPlan(await control.getPlan(planId)),
      getBroadcast: (id) => control.getBroadcast(id),
    };
  }

  /** `inner` (the pool), with staging around each task that needs it. */
  wrapRunner(inner: TaskRunner, control: ControlApi): TaskRunner {
    const needsStaging = async (r: TaskRequest): Promise<StagePlan | undefined> => {
      const plan = await control.getPlan(r.planId);
      return planIsRemote(plan) || hasRemoteInput(r.desc) ? plan : undefined;
    };
    const runOne = async (r: TaskRequest, signal: AbortSignal): Promise<TaskResult> => {
      const plan = await needsStaging(r);
      return plan === undefined ? inner.run(r, signal) : this.runStaged(inner, plan, r, signal);
    };
    const staged: TaskRunner = {
      get workers() {
        return inner.workers;
      },
      run: runOne,
      async runBatch(requests, signal) {
        const plans = await Promise.all(requests.map(needsStaging));
        if (plans.every((p) => p === undefined)) return inner.runBatch(requests, signal);
        return Promise.all(requests.map((r) => runOne(r, signal)));
      },
      close: () => inner.close(),
    };
    if (inner.ready !== undefined) {
      const ready = inner.ready.bind(inner);
      staged.ready = ready;
    }
    return staged;
  }

  /** Removes every local copy (the process or application is done with them). */
  removeAll(): void {
    this.inputs.clear();
    fs.rmSync(this.opts.root, { recursive: true, force: true });
  }

  private async runStaged(
    inner: TaskRunner,
    plan: StagePlan,
    request: TaskRequest,
    signal: AbortSignal,
  ): Promise<TaskResult> {
    const taskDir = path.join(
      this.opts.root,
      'tasks',
      `${request.taskId}-${request.attempt}-${this.taskCounter++}`,
    );
    const copies = new Map<string, string>();
    // Every remote path is an s3:// URL (storage-url.ts): one store serves the task.
    const store = s3Store;
    try {
      ensureDirectory(taskDir, 'staging directory');
      let desc;
      try {
        desc = await stageInputs(
          {
            store,
            taskDir,
            inputCopy: (url) => this.inputCopy(url),
            noteCopy: (local, url) => copies.set(local, url),
          },
          request.desc,
        );
      } catch (e) {
        return namingUrls(failedBeforeRun(e, request), copies, this, plan);
      }
      const result = await inner.run({ ...request, desc }, signal);
      if (result.kind !== 'success') return namingUrls(result, copies, this, plan);
      // The job failed while the thread finished: its outputs are not wanted (and, in cluster
      // mode, would land after the driver's cleanup).
      signal.throwIfAborted();
      try {
        return await stageOutputs(
          {
            store,
            plan,
            request,
            localFor: (url) => this.localFor(url),
            memoryBlocksToStorage: this.opts.memoryBlocksToStorage,
            taskDir,
          },
          result,
        );
      } catch (e) {
        return {
          kind: 'failure',
          error: serialize(asKindling(e)),
          side: emptySide(),
          rddId: plan.rootNode,
          metrics: result.metrics,
        };
      }
    } finally {
      fs.rmSync(taskDir, { recursive: true, force: true });
    }
  }

  /** A whole input object (textFile, whole files), copied once per process, shared by tasks. */
  private inputCopy(url: string): Promise<string> {
    let copy = this.inputs.get(url);
    if (copy === undefined) {
      copy = (async () => {
        const file = path.join(this.opts.root, 'inputs', localNameFor(url));
        const temp = `${file}.${process.pid}.tmp`;
        const got = await storeFor(url).download(url, temp);
        if (got.kind === 'missing') {
          fs.rmSync(temp, { force: true });
          throw errors.io(
            'read the input object',
            url,
            'it does not exist (NoSuchKey)',
            'NoSuchKey',
          );
        }
        fs.renameSync(temp, file);
        return file;
      })();
      this.inputs.set(url, copy);
      copy.catch(() => this.inputs.delete(url));
    }
    return copy;
  }
}

function planIsRemote(plan: StagePlan): boolean {
  const save = saveOutputOf(plan);
  return (
    isS3Url(plan.localDir) ||
    (save !== undefined && isS3Url(save.dir)) ||
    plan.nodes.some((n) => n.checkpoint !== undefined && isS3Url(n.checkpoint.dir))
  );
}

function emptySide(): Extract<TaskResult, { kind: 'failure' }>['side'] {
  return { accumulators: [], checkpoints: [], blocks: [], lostBlocks: [] };
}

function asKindling(e: unknown): KindlingError {
  return isKindlingError(e) ? e : errors.internal(`task staging: ${String(e)}`);
}

function serialize(e: KindlingError): SerializedError {
  const out: SerializedError = {
    name: e.name,
    message: e.message,
    kindling: { code: e.code, context: { ...e.context } },
  };
  if (e.stack !== undefined) out.stack = e.stack;
  return out;
}

/** A task whose inputs could not be staged: a fetch failure or a failure, as a worker reports. */
function failedBeforeRun(
  e: unknown,
  request: TaskRequest,
): Exclude<TaskResult, { kind: 'success' }> {
  const block = fetchFailureOf(e);
  if (block !== undefined) {
    return {
      kind: 'fetchFailed',
      shuffleId: block.shuffleId,
      mapIndex: block.mapIndex,
      path: block.path,
      error: serialize(asKindling(e)),
    };
  }
  return {
    kind: 'failure',
    error: serialize(asKindling(e)),
    side: emptySide(),
    rddId: request.desc.node,
  };
}

/** A worker's failure names the local copies it read: name the objects instead. */
function namingUrls(
  result: Exclude<TaskResult, { kind: 'success' }>,
  copies: Map<string, string>,
  staging: TaskStaging,
  plan: StagePlan,
): TaskResult {
  const dirs = new Map<string, string>();
  if (isS3Url(plan.localDir)) dirs.set(staging.localFor(plan.localDir), plan.localDir);
  const save = saveOutputOf(plan)?.dir;
  if (save !== undefined && isS3Url(save)) dirs.set(staging.localFor(save), save);
  for (const n of plan.nodes) {
    const dir = n.checkpoint?.dir;
    if (dir !== undefined && isS3Url(dir)) dirs.set(staging.localFor(dir), dir);
  }
  const rename = (text: string): string => {
    let out = text;
    for (const [local, url] of copies) out = out.split(local).join(url);
    for (const [local, url] of dirs) out = out.split(local).join(url);
    return out;
  };
  const error: SerializedError = { ...result.error, message: rename(result.error.message) };
  if (result.error.kindling !== undefined) {
    const context = { ...result.error.kindling.context };
    if (typeof context.path === 'string') context.path = rename(context.path);
    error.kindling = { ...result.error.kindling, context };
  }
  if (result.kind === 'fetchFailed') {
    const named = { ...result, error };
    if (result.path !== undefined) named.path = rename(result.path);
    return named;
  }
  return { ...result, error };
}
