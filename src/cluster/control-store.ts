// Stage plans and broadcast values in cluster mode: the driver publishes each once, before
// the first task that needs it is queued; a worker process reads them when its threads ask
// over the unchanged ControlApi. Both are immutable per id, so the worker caches them for
// the application's life. Values above INLINE_LIMIT_BYTES go to storage (a file or an S3
// object); Redis keeps where.

import { errors } from '../shared/errors.js';
import { functionPlansOf } from '../shared/plan-functions.js';
import type { ControlApi, StagePlan } from '../shared/protocol.js';
import type { Redis } from './redis.js';
import { storeFor } from '../storage/stores.js';
import { joinStoragePath } from '../storage/storage-url.js';
import {
  broadcastKey,
  decode,
  encode,
  INLINE_LIMIT_BYTES,
  planKey,
  readStored,
  storedPointer,
  storedValue,
} from './wire.js';

/** The driver's side: publishes what a stage's tasks will ask for. */
export class ControlPublisher {
  private readonly published = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly appId: string,
    /** The application's directory under storage. */
    private readonly dir: string,
    private readonly control: ControlApi,
  ) {}

  /** The plan and every broadcast its functions' envs reference; memoized per key. */
  async publishPlan(planId: string): Promise<void> {
    const plan = await this.control.getPlan(planId);
    const pending = [this.publishOnce(planKey(this.appId, planId), `plan-${planId}`, () => plan)];
    for (const id of findBroadcastIds(plan)) {
      pending.push(
        this.publishOnce(broadcastKey(this.appId, id), `broadcast-${id}`, () =>
          this.control.getBroadcast(id),
        ),
      );
    }
    await Promise.all(pending);
  }

  private publishOnce(key: string, fileName: string, value: () => unknown): Promise<void> {
    let done = this.published.get(key);
    if (done === undefined) {
      done = (async () => {
        const bytes = encode(await value());
        if (bytes.length <= INLINE_LIMIT_BYTES) {
          await this.redis.set(key, storedValue(bytes));
        } else {
          const file = joinStoragePath(this.dir, 'control', `${fileName}.bin`);
          await storeFor(file).write(file, bytes);
          await this.redis.set(key, storedPointer(file));
        }
      })();
      this.published.set(key, done);
      done.catch(() => this.published.delete(key));
    }
    return done;
  }
}

/** The worker process's side: a ControlApi its Piscina threads call, backed by Redis. */
export function redisControlApi(redis: Redis, appId: string): ControlApi {
  const cache = new Map<string, Promise<unknown>>();
  const read = (key: string, what: string): Promise<unknown> => {
    let entry = cache.get(key);
    if (entry === undefined) {
      entry = (async () => {
        const stored = await redis.getBuffer(key);
        if (stored === null) {
          throw errors.unsupported(`${what} of application ${appId} is not published in Redis`);
        }
        const found = readStored(stored);
        if (found.kind === 'inline') return decode(found.bytes);
        const got = await storeFor(found.path).read(found.path);
        if (got.kind === 'missing') {
          throw errors.io(`read ${what} of application ${appId} from`, found.path, 'it is missing');
        }
        return decode(got.bytes);
      })();
      cache.set(key, entry);
      entry.catch(() => cache.delete(key));
    }
    return entry;
  };
  return {
    getPlan: (planId) => read(planKey(appId, planId), `Stage plan ${planId}`) as Promise<StagePlan>,
    getBroadcast: (id) => read(broadcastKey(appId, id), `Broadcast ${id}`),
  };
}

/** The broadcasts the envs of a plan's functions ship (never looked for in the envs' data). */
export function findBroadcastIds(plan: StagePlan): number[] {
  const ids = new Set<number>();
  for (const fp of functionPlansOf(plan)) {
    for (const { handle } of fp.env.handles) if (handle.kind === 'broadcast') ids.add(handle.id);
  }
  return [...ids];
}
