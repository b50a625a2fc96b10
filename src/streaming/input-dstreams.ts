// queueStream and socketTextStream. A queue stream hands out one queued batch
// per interval (or all of them) and cannot be replayed, so a recovered graph
// holding one is refused (as Spark's: "queueStream doesn't support checkpointing"). A socket stream buffers lines from a
// TCP server between batches: at-most-once, since nothing can re-read them. Its lines end as
// textFile's do (shared/line-ends.ts), as Spark's SocketReceiver reads them with readLine.

import net from 'node:net';
import { RDD } from '../rdd/rdd.js';
import { describeErrno } from '../shared/io-errors.js';
import { LineSplitter } from '../shared/line-ends.js';
import type { Accumulator } from '../variables/accumulator.js';
import type { DStream, DStreamImpl, InputImpl, SourcePosition } from './dstream.js';
import type { StreamingContext } from './streaming-context.js';
import { kernel } from './kernel-refs.js';

// How long a socket stream waits to connect again (Spark's receiver waits
// spark.streaming.receiverRestartDelay, 2 s by default).
const RECONNECT_MS = 1000;

function counted(rdd: RDD<unknown>, acc: Accumulator | undefined): RDD<unknown> {
  if (acc === undefined) return rdd;
  return rdd.mapPartitions(kernel('countRecords'), { env: { acc }, preservesPartitioning: true });
}

export class QueueInputImpl implements DStreamImpl, InputImpl {
  readonly kind = 'queueStream';
  readonly parents: DStream<unknown>[] = [];
  readonly input = this;
  readonly recoverable = false;
  private next = 0;
  private acc: Accumulator | undefined;

  constructor(
    private readonly ssc: StreamingContext,
    private readonly queue: (unknown[] | RDD<unknown>)[],
    private readonly oneAtATime: boolean,
  ) {}

  get slideMs(): number {
    return this.ssc.batchIntervalMs;
  }

  start(): void {
    this.acc ??= this.ssc.sparkContext.longAccumulator('queueStream');
  }
  stop(): void {}

  compute(): RDD<unknown> {
    const ctx = this.ssc.sparkContext;
    const take = this.oneAtATime
      ? Math.min(1, this.queue.length - this.next)
      : this.queue.length - this.next;
    const items = this.queue.slice(this.next, this.next + take);
    this.next += take;
    const rdds = items.map((item) => (item instanceof RDD ? item : ctx.parallelize(item)));
    const rdd =
      rdds.length === 0
        ? ctx.emptyRDD()
        : rdds.length === 1
          ? (rdds[0] as RDD<unknown>)
          : ctx.union(rdds);
    return counted(rdd, this.acc);
  }

  recordsRead(): number {
    return this.acc?.value ?? 0;
  }
  position(): undefined {
    return undefined;
  }
  restore(): void {}
  prune(): void {}
}

export class SocketInputImpl implements DStreamImpl, InputImpl {
  readonly kind = 'socketTextStream';
  readonly parents: DStream<unknown>[] = [];
  readonly input = this;
  readonly recoverable = true;
  private buffered: string[] = [];
  private socket: net.Socket | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A connection failed since the last one made: its warning is out. */
  private failing = false;
  private acc: Accumulator | undefined;

  constructor(
    private readonly ssc: StreamingContext,
    readonly host: string,
    readonly port: number,
  ) {}

  get slideMs(): number {
    return this.ssc.batchIntervalMs;
  }

  start(): void {
    this.acc ??= this.ssc.sparkContext.longAccumulator(
      `socketTextStream ${this.host}:${this.port}`,
    );
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = net.connect(this.port, this.host);
    this.socket = socket;
    socket.setEncoding('utf8');
    // Each connection's own lines: a '\r' ending one is no half of a '\r\n' with the next.
    const lines = new LineSplitter();
    socket.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) this.buffered.push(line);
    });
    socket.on('connect', () => (this.failing = false));
    // Spark reports a receiver's error to its listeners and restarts it: said once a streak.
    socket.on('error', (e) => {
      if (this.failing || this.stopped) return;
      this.failing = true;
      this.ssc.sparkContext.warn(
        `socketTextStream ${this.host}:${this.port}: ${describeErrno(e)}; ` +
          `connecting again every ${RECONNECT_MS / 1000} s`,
      );
    });
    socket.on('close', () => {
      for (const line of lines.end()) this.buffered.push(line);
      // Spark's receiver restarts after a delay; the timer must not keep the process alive.
      if (!this.stopped) this.retry = setTimeout(() => this.connect(), RECONNECT_MS).unref();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.destroy();
  }

  compute(): RDD<unknown> {
    const lines = this.buffered;
    this.buffered = [];
    return counted(this.ssc.sparkContext.parallelize(lines), this.acc);
  }

  recordsRead(): number {
    return this.acc?.value ?? 0;
  }
  position(): SourcePosition | undefined {
    return undefined;
  }
  restore(): void {}
  prune(): void {}
}
