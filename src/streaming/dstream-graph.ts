// DStreamGraph: the streams and output operations the user's code built, in
// creation order (a stream's place is its default stable id). At start it fixes
// the zero time, remember durations (children tell parents how much history
// they need, DStream.remember, at least what ssc.remember asks) and default checkpoint intervals of
// stateful streams (DStream.initialize), and validates what Spark validates at start
// (StreamingContext.validate).

import { streamingErrors } from '../shared/errors.js';
import type { DStream, OutputOperation } from './dstream.js';

type Any = DStream<unknown>;

export class DStreamGraph {
  readonly streams: Any[] = [];
  readonly outputs: OutputOperation[] = [];
  zeroTimeMs: number | undefined;
  /** Batches before this time are being replayed: their RDDs are not marked for checkpoint. */
  markFromMs = 0;
  /** The newest batch time whose RDDs are being or have been generated. */
  lastBatchMs: number | undefined;
  /** ssc.remember(ms): every stream keeps at least this much history. */
  minRememberMs = 0;
  private started = false;
  /** The streams output operations reach (Spark initializes only these). */
  private readonly initialized = new Set<Any>();

  register(stream: Any): number {
    this.assertNotStarted('create a DStream');
    this.streams.push(stream);
    return this.streams.length - 1;
  }

  addOutput(op: OutputOperation): void {
    this.assertNotStarted('register an output operation');
    this.outputs.push(op);
  }

  assertNotStarted(what: string): void {
    if (this.started) {
      throw streamingErrors.illegalState(
        `Cannot ${what} after the StreamingContext has started (Spark's rule: the graph is fixed at start)`,
      );
    }
  }

  get inputs(): Any[] {
    return this.streams.filter((s) => s.impl.input !== undefined);
  }

  get stateful(): Any[] {
    return this.streams.filter((s) => s.impl.state !== undefined);
  }

  find(key: string): Any | undefined {
    return this.streams.find((s) => s.key === key);
  }

  /** Spark's DStreamGraph.validate and DStream.validateAtStart. */
  validate(hasCheckpointDir: boolean): void {
    if (this.outputs.length === 0) {
      throw streamingErrors.illegalState(
        'No output operations registered, so nothing to execute: add foreachRDD, print or saveAsTextFiles',
      );
    }
    const keys = new Set<string>();
    for (const s of this.streams) {
      if (keys.has(s.key))
        throw streamingErrors.illegalState(
          `Two DStreams have the name ${s.key}: names given by setName must be unique`,
        );
      keys.add(s.key);
      const needsDir = s.impl.state !== undefined || s.checkpointIntervalMs !== undefined;
      if (needsDir && !hasCheckpointDir) throw streamingErrors.checkpointDirNotSet(s.key);
    }
  }

  /**
   * Fixes the grid and durations; the graph cannot change afterwards. `resumedAfterMs` is the
   * last batch a recovered run completed: no stream holds an RDD of it or earlier.
   */
  initialize(zeroTimeMs: number, resumedAfterMs?: number): void {
    this.zeroTimeMs = zeroTimeMs;
    this.started = true;
    for (const s of this.streams) {
      const slide = s.slideDurationMs;
      if (s.impl.state !== undefined && s.checkpointIntervalMs === undefined) {
        s.checkpointIntervalMs = s.impl.state.defaultCheckpointIntervalMs(slide);
      }
      const own = s.impl.state !== undefined ? 2 * slide : slide;
      s.rememberMs = Math.max(own, s.minRememberMs, this.minRememberMs);
      s.forgottenThroughMs = resumedAfterMs ?? zeroTimeMs;
    }
    const reach = (s: Any): void => {
      if (this.initialized.has(s)) return;
      this.initialized.add(s);
      s.impl.parents.forEach(reach);
    };
    for (const op of this.outputs) reach(op.stream);
    // Children were created after their parents: one pass from the end reaches every ancestor.
    for (let i = this.streams.length - 1; i >= 0; i--) {
      const s = this.streams[i] as Any;
      const demand = s.rememberMs + (s.impl.parentRememberExtraMs ?? 0);
      for (const p of s.impl.parents) p.rememberMs = Math.max(p.rememberMs, demand);
    }
  }

  isInitialized(stream: Any): boolean {
    return this.initialized.has(stream);
  }

  clearMetadata(timeMs: number): void {
    for (const s of this.streams) s.clearMetadata(timeMs);
  }
}
