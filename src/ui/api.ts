// The JSON API under /api/v1/, named like Spark's REST API (applications, jobs, stages,
// executors, storage/rdd, streaming (streaming-api.ts), environment) plus checkpoints: the same
// state the pages render.

import type { AppStatusStore, CachedRddData, JobData, StageData } from './app-status-store.js';
import { streamingApi } from './streaming-api.js';
import { formatBlockId } from '../shared/block-id.js';

export type ApiResult = { kind: 'ok'; body: unknown } | { kind: 'notFound'; what: string };

/** `eventLog`: in the history UI, the log's file name, which names it in URLs (two logs may share an id). */
export function applicationJson(store: AppStatusStore, eventLog?: string): unknown {
  const app = store.app;
  return {
    id: app?.applicationId,
    name: app?.appName,
    ...(eventLog === undefined ? {} : { eventLog }),
    attempts: [
      {
        startTime: app?.startTime,
        endTime: app?.endTime,
        completed: app?.endTime !== undefined,
        duration: app?.endTime === undefined ? undefined : app.endTime - app.startTime,
        appSparkVersion: app?.kindlingVersion,
      },
    ],
  };
}

function jobJson(store: AppStatusStore, j: JobData): unknown {
  const stages = store.stagesOf(j);
  let completed = 0;
  let failed = 0;
  for (const s of stages)
    for (const t of s.tasks) {
      if (t.successful) completed++;
      else failed++;
    }
  return {
    jobId: j.jobId,
    name: j.action,
    rddId: j.rddId,
    rddName: j.rddName,
    submissionTime: j.submissionTime,
    completionTime: j.completionTime,
    durationMs: j.durationMs,
    status: j.status.toUpperCase(),
    stageIds: j.stageIds,
    numTasks: stages.reduce((n, s) => n + s.numTasks, 0),
    numCompletedTasks: completed,
    numFailedTasks: failed,
    numCompletedStages: stages.filter((s) => s.status === 'complete').length,
    numFailedStages: stages.filter((s) => s.status === 'failed').length,
    metrics: j.metrics,
    failure: j.failure,
  };
}

function stageJson(s: StageData, withTasks: boolean): unknown {
  return {
    stageId: s.stageId,
    jobId: s.jobId,
    kind: s.kind,
    status: s.status.toUpperCase(),
    numTasks: s.numTasks,
    numCompleteTasks: s.tasks.filter((t) => t.successful).length,
    numFailedTasks: s.tasks.filter((t) => !t.successful).length,
    submissionTime: s.submissionTime,
    completionTime: s.completionTime,
    durationMs: s.durationMs,
    parentStageIds: s.parentStageIds,
    rdds: s.rdds,
    shuffleId: s.shuffleId,
    metrics: s.metrics,
    failureReason: s.failureReason,
    ...(withTasks ? { tasks: s.tasks } : {}),
  };
}

function rddStorageJson(r: CachedRddData, withPartitions: boolean): unknown {
  const blocks = [...r.blocks.entries()].sort(([a], [b]) => a - b);
  const used = (where: 'memory' | 'disk'): number =>
    blocks.filter(([, b]) => b.where === where).reduce((n, [, b]) => n + b.bytes, 0);
  return {
    id: r.rddId,
    name: r.name,
    storageLevel: r.storageLevel,
    numPartitions: r.numPartitions,
    numCachedPartitions: r.blocks.size,
    memoryUsed: used('memory'),
    diskUsed: used('disk'),
    ...(withPartitions
      ? {
          partitions: blocks.map(([partitionIndex, b]) => ({
            blockName: formatBlockId(r.rddId, partitionIndex),
            where: b.where,
            bytes: b.bytes,
            records: b.records,
          })),
        }
      : {}),
  };
}

/** `rest` is the path after /api/v1/applications/<appId>/, split on '/'. */
export function appApi(store: AppStatusStore, rest: string[]): ApiResult {
  const [what, id, sub] = rest;
  const ok = (body: unknown): ApiResult => ({ kind: 'ok', body });
  switch (what) {
    case undefined:
    case '':
      return ok(applicationJson(store));
    case 'jobs': {
      if (id === undefined || id === '')
        return ok([...store.jobs.values()].reverse().map((j) => jobJson(store, j)));
      const job = store.jobs.get(Number(id));
      return job === undefined ? { kind: 'notFound', what: `job ${id}` } : ok(jobJson(store, job));
    }
    case 'stages': {
      if (id === undefined || id === '')
        return ok([...store.stages.values()].reverse().map((s) => stageJson(s, false)));
      const stage = store.stages.get(Number(id));
      if (stage === undefined) return { kind: 'notFound', what: `stage ${id}` };
      return ok(sub === 'taskList' ? stage.tasks : stageJson(stage, true));
    }
    case 'executors':
      return ok([...store.workers.values()]);
    case 'storage': {
      // Spark: /storage/rdd lists the cached RDDs, /storage/rdd/<rddId> one with its partitions.
      if (id !== 'rdd') return { kind: 'notFound', what: `/${rest.join('/')}` };
      if (sub === undefined || sub === '')
        return ok([...store.storage.values()].map((r) => rddStorageJson(r, false)));
      const rdd = store.storage.get(Number(sub));
      return rdd === undefined
        ? { kind: 'notFound', what: `cached RDD ${sub}` }
        : ok(rddStorageJson(rdd, true));
    }
    case 'checkpoints':
      return ok(store.checkpoints);
    case 'streaming':
      return streamingApi(store, rest.slice(1));
    case 'environment':
      return ok({
        kindlingVersion: store.app?.kindlingVersion,
        nodeVersion: store.app?.nodeVersion,
        options: store.app?.options,
        warnings: store.warnings,
      });
    default:
      return { kind: 'notFound', what: `/${rest.join('/')}` };
  }
}
