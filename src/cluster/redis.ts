// Connections to the cluster master: the only module that imports ioredis. Every client
// fails fast instead of queueing commands while Redis is away (no offline queue, bounded
// retries, a connect timeout), so an action fails with CLUSTER_UNREACHABLE naming the URL
// rather than hanging. BullMQ's blocking clients get their options from here too.

import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { errors, KindlingError } from '../shared/errors.js';
import type { MasterSpec } from './master-url.js';

export type RedisMaster = Extract<MasterSpec, { kind: 'redis' }>;
export type { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 3_000;

/** Options for BullMQ's own connections (Queue, QueueEvents, Worker). */
export function bullConnectionOptions(master: RedisMaster): ConnectionOptions {
  return {
    ...baseOptions(master),
    // BullMQ requires null on blocking connections: it retries its blocking reads itself.
    maxRetriesPerRequest: null,
  };
}

/**
 * Lets the process exit while this client is connected, from now on and after every
 * reconnect: a driver's connections must not keep an idle program alive (local mode's idle
 * threads do not), while a job in flight holds the process itself (BullMQTaskRunner).
 */
export function unrefSockets(client: Redis): Redis {
  const unref = (): void => {
    client.stream?.unref();
  };
  client.on('connect', unref);
  unref();
  return client;
}

/** A client for a BullMQ Queue (no blocking reads), connecting at once; the caller owns it. */
export function bullQueueClient(master: RedisMaster): Redis {
  const client = new Redis({ ...baseOptions(master), maxRetriesPerRequest: null });
  client.on('error', () => {});
  return client;
}

/** A command client, connected and answering PING, or CLUSTER_UNREACHABLE naming the URL. */
export async function connectRedis(master: RedisMaster): Promise<Redis> {
  const client = new Redis({
    ...baseOptions(master),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  // ioredis emits 'error' on every failed reconnect; the failing command carries it to the caller.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw errors.clusterUnreachable(master.display, e instanceof Error ? e.message : String(e));
  }
  return client;
}

/**
 * A second connection of `redis`, subscribed to `channels` (a connection that subscribes can
 * send nothing else; it may subscribe to more later). It reconnects and resubscribes as its
 * parent does; what it carries are hints whose loss only delays their reader (to its next
 * poll, or a task to its natural end), so its errors are ignored.
 */
export async function subscribe(
  redis: Redis,
  channels: string[],
  onMessage: (channel: string, message: string) => void,
  opts: { holdsProcess: boolean } = { holdsProcess: true },
): Promise<Redis> {
  const subscriber = redis.duplicate();
  if (!opts.holdsProcess) unrefSockets(subscriber);
  subscriber.on('error', () => {});
  subscriber.on('message', onMessage);
  try {
    await subscriber.connect();
    if (channels.length > 0) await subscriber.subscribe(...channels);
  } catch (e) {
    subscriber.disconnect();
    throw e;
  }
  return subscriber;
}

/** A command that failed because Redis went away mid-job becomes CLUSTER_UNREACHABLE too. */
export function asClusterError(master: RedisMaster, e: unknown): KindlingError {
  if (e instanceof KindlingError) return e;
  return errors.clusterUnreachable(master.display, e instanceof Error ? e.message : String(e));
}

interface BaseOptions {
  host: string;
  port: number;
  db: number;
  connectTimeout: number;
  retryStrategy: (times: number) => number | null;
  password?: string;
  username?: string;
}

function baseOptions(master: RedisMaster): BaseOptions {
  const opts: BaseOptions = {
    host: master.host,
    port: master.port,
    db: master.db,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A few quick reconnects ride out a blip; then commands fail instead of waiting forever.
    retryStrategy: (times) => (times > 10 ? null : Math.min(times * 200, 1_000)),
  };
  if (master.password !== undefined) opts.password = master.password;
  if (master.username !== undefined) opts.username = master.username;
  return opts;
}
