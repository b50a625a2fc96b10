// Restoring a metadata checkpoint into the graph the running code built
// (Spark deserializes its old graph instead, which breaks on any code change). Streams are matched by their
// stable key; a stateful operator or a source of the checkpoint without a
// counterpart is refused with STREAMING_CHECKPOINT_INCOMPATIBLE naming it,
// since its state or unread inputs would otherwise be lost silently.

import fs from 'node:fs';
import path from 'node:path';
import { errors, streamingErrors } from '../shared/errors.js';
import { readManifest } from '../checkpoint/checkpoint-reader.js';
import type { DStreamGraph } from './dstream-graph.js';
import {
  listCheckpointFiles,
  readCheckpointFile,
  type StreamingCheckpointData,
} from './metadata-checkpoint.js';
import type { Context } from '../context.js';
import { planRestore, type HistoryStart, type RestorePlan } from './restore-plan.js';
import type { DStream } from './dstream.js';

/**
 * getOrCreate's acceptance test for a candidate file: its sources' positions are theirs to
 * read and the state checkpoints it restores are committed.
 */
export function checkRestorable(
  graph: DStreamGraph,
  data: StreamingCheckpointData,
  file: string,
): void {
  for (const src of data.sources) {
    const match = graph.find(src.key);
    if (match?.impl.kind !== src.kind) continue; // refused by checkCompatible, naming it
    const problem = match.impl.input?.positionProblem?.(src.position);
    if (problem !== undefined)
      throw errors.checkpointCorrupt(file, `the position of ${src.key}: ${problem}`);
  }
  for (const r of planFor(graph, data).restoreFrom.values()) readManifest(r.dir);
}

/**
 * The restore plan of `data` for the running graph, each stateful stream's history starting
 * where the writing run's did; one the checkpoint lacks starts empty after its last completed batch.
 */
function planFor(graph: DStreamGraph, data: StreamingCheckpointData): RestorePlan {
  const lastCompleted = data.lastCompletedMs ?? data.zeroTimeMs;
  const written = new Map(data.streams.filter((d) => d.stateful).map((d) => [d.key, d]));
  const startOf = (s: DStream<unknown>): HistoryStart => {
    const summary = written.get(s.key);
    if (summary === undefined) return lastCompleted;
    if (summary.historyFromMs === undefined) return 'oldest';
    return summary.historyFromMs ?? 'zero';
  };
  return planRestore(
    graph,
    data.zeroTimeMs,
    lastCompleted + data.batchIntervalMs,
    data.state,
    startOf,
  );
}

export function checkCompatible(
  graph: DStreamGraph,
  data: StreamingCheckpointData,
  batchIntervalMs: number,
): void {
  const queue = graph.inputs.find((s) => !(s.impl.input?.recoverable ?? true));
  if (queue !== undefined) {
    throw streamingErrors.checkpointIncompatible(
      queue.key,
      `queueStream doesn't support checkpointing: ${queue.key} cannot replay its batches. ` +
        "Please don't use queueStream when recovering from a checkpoint",
    );
  }
  if (data.batchIntervalMs !== batchIntervalMs) {
    throw streamingErrors.checkpointIncompatible(
      'batchInterval',
      `the checkpoint's batch interval is ${data.batchIntervalMs} ms, the StreamingContext's ${batchIntervalMs} ms`,
    );
  }
  for (const s of data.streams) {
    if (!s.stateful) continue;
    const match = graph.find(s.key);
    if (match === undefined || match.impl.state === undefined || match.impl.kind !== s.kind) {
      throw streamingErrors.checkpointIncompatible(
        s.key,
        `the checkpoint has the stateful operator ${s.key} (${s.kind}) and the running graph has no ` +
          `${s.kind} at that place; keep the operator's place in the graph or give it the same name with setName()`,
      );
    }
  }
  for (const src of data.sources) {
    const match = graph.find(src.key);
    if (match === undefined || match.impl.kind !== src.kind) {
      throw streamingErrors.checkpointIncompatible(
        src.key,
        `the checkpoint has the source ${src.key} (${src.kind}), whose recorded inputs the running graph has no source to replay`,
      );
    }
    const why = match.impl.input?.incompatibility?.(src.position);
    if (why !== undefined) throw streamingErrors.checkpointIncompatible(src.key, why);
  }
}

/** Installs state and source positions; returns the keys of the sources that were restored. */
export function restoreInto(
  ctx: Context,
  graph: DStreamGraph,
  data: StreamingCheckpointData,
): Set<string> {
  const restoredSources = new Set<string>();
  for (const src of data.sources) {
    graph.find(src.key)?.impl.input?.restore(src.position);
    restoredSources.add(src.key);
  }
  const plan = planFor(graph, data);
  for (const s of graph.stateful) {
    const record = plan.restoreFrom.get(s.key);
    const state = s.impl.state;
    if (state === undefined) continue;
    if (record !== undefined) {
      const rdd = ctx.checkpointFile<unknown>(record.dir);
      s.generated.set(record.timeMs, state.restore(record.timeMs, rdd));
      s.restoredTimeMs = record.timeMs;
    } else {
      // New in this code, or started so by the run that wrote the checkpoint: empty after then.
      const after = plan.emptyAfter.get(s.key);
      if (after !== undefined) s.restoredTimeMs = after;
    }
  }
  return restoredSources;
}

/** Metadata file -> state dirs it refers to, and every state dir left by earlier contexts. */
export function scanCheckpointDir(
  dir: string,
  ownContextDir: string | undefined,
): { fileRefs: Map<string, string[]>; stateDirs: string[] } {
  const fileRefs = new Map<string, string[]>();
  for (const f of listCheckpointFiles(dir)) {
    try {
      fileRefs.set(
        f.name,
        readCheckpointFile(path.join(dir, f.name)).state.map((r) => r.dir),
      );
    } catch {
      fileRefs.set(f.name, []);
    }
  }
  const stateDirs: string[] = [];
  for (const ctxDir of subdirs(dir)) {
    if (ownContextDir !== undefined && path.resolve(ctxDir) === path.resolve(ownContextDir))
      continue;
    for (const rddDir of subdirs(ctxDir))
      if (/^rdd-\d+$/.test(path.basename(rddDir))) stateDirs.push(rddDir);
  }
  return { fileRefs, stateDirs };
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(dir, d.name));
  } catch {
    return [];
  }
}
