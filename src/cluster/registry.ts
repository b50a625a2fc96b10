// Who is in the cluster: drivers announce their applications and workers announce themselves
// as Redis keys with a TTL that each refreshes (a heartbeat), so a process that dies, even by
// SIGKILL, drops out within ANNOUNCE_TTL_MS with no one having to notice. Readers poll with
// SCAN; the cluster is a handful of processes, so a poll per second costs nothing. A start or
// a stop is also published on the kind's channel, so watchers see it at once (only a death
// waits for the TTL and the next poll).

import { subscribe, type Redis } from './redis.js';
import { ANNOUNCE_EVERY_MS, ANNOUNCE_TTL_MS, announceChannel, KEY_PREFIX } from './wire.js';

/** Keeps `key` alive with `value` until stop(), which deletes it. */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    private readonly redis: Redis,
    private readonly kind: 'app' | 'executor',
    private readonly key: string,
    private readonly value: string,
    onError: (e: unknown) => void,
  ) {
    this.timer = setInterval(() => {
      this.beat().catch(onError);
    }, ANNOUNCE_EVERY_MS);
    this.timer.unref();
  }

  static async start(
    redis: Redis,
    kind: 'app' | 'executor',
    key: string,
    value: unknown,
    onError: (e: unknown) => void,
  ): Promise<Heartbeat> {
    const hb = new Heartbeat(redis, kind, key, JSON.stringify(value), onError);
    await hb.beat();
    await redis.publish(announceChannel(kind), key);
    return hb;
  }

  private async beat(): Promise<void> {
    if (!this.stopped) await this.redis.set(this.key, this.value, 'PX', ANNOUNCE_TTL_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.redis.del(this.key).catch(() => 0);
    await this.redis.publish(announceChannel(this.kind), this.key).catch(() => 0);
  }
}

/** Every live record under `kindling:<kind>:*`, parsed; unparsable ones are skipped. */
export async function listRecords<T>(redis: Redis, kind: 'app' | 'executor'): Promise<T[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${KEY_PREFIX}:${kind}:*`,
      'COUNT',
      200,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  const out: T[] = [];
  for (const v of values) {
    if (v === null) continue;
    try {
      out.push(JSON.parse(v) as T);
    } catch {
      // A foreign or half-written key: not ours to interpret.
    }
  }
  return out;
}

/**
 * Polls a kind of record and reports arrivals and departures by key; `poll()` runs once at
 * once (so callers can await a first view) and then every ANNOUNCE_EVERY_MS.
 */
export class RecordWatcher<T> {
  private readonly known = new Map<string, T>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** A poll asked for while one runs: it runs again after, to see what the message announced. */
  private pollAgain = false;
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly kind: 'app' | 'executor',
    private readonly keyOf: (record: T) => string,
    private readonly handlers: {
      added(record: T): void | Promise<void>;
      removed(record: T): void | Promise<void>;
      error(e: unknown): void;
    },
    /** false: its connection lets the process exit (a driver's, idle between jobs). */
    private readonly holdsProcess = true,
  ) {}

  get records(): T[] {
    return [...this.known.values()];
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.poll(), ANNOUNCE_EVERY_MS);
    this.timer.unref();
    // Without the channel, polling alone still sees every record, a poll later.
    this.subscriber = await subscribe(
      this.redis,
      [announceChannel(this.kind)],
      () => {
        if (this.polling === undefined) void this.poll();
        else this.pollAgain = true;
      },
      { holdsProcess: this.holdsProcess },
    ).catch(() => undefined);
    return this.poll();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    return this.polling ?? Promise.resolve();
  }

  poll(): Promise<void> {
    // One poll at a time: a slow SCAN must not interleave with the next.
    this.polling ??= this.pollOnce()
      .catch((e: unknown) => this.handlers.error(e))
      .finally(() => {
        this.polling = undefined;
        if (!this.pollAgain || this.subscriber === undefined) return;
        this.pollAgain = false;
        void this.poll();
      });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const seen = new Map<string, T>();
    for (const r of await listRecords<T>(this.redis, this.kind)) seen.set(this.keyOf(r), r);
    for (const [key, r] of this.known) {
      if (seen.has(key)) continue;
      this.known.delete(key);
      await this.handlers.removed(r);
    }
    for (const [key, r] of seen) {
      if (this.known.has(key)) continue;
      this.known.set(key, r);
      await this.handlers.added(r);
    }
  }
}
