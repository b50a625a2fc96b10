// Connections to the cluster master: the only module that imports ioredis. Every client
// fails fast instead of queueing commands while Redis is away (no offline queue, bounded
// retries, a connect timeout), so an action fails with CLUSTER_UNREACHABLE naming the URL and
// the real cause (refused, not found, password, not Redis, silent) rather than hanging.
// BullMQ's blocking clients get their options from here too.

import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { errors, KindlingError } from '../shared/errors.js';
import type { MasterSpec } from './master-url.js';

export type RedisMaster = Extract<MasterSpec, { kind: 'redis' }>;
export type { Redis } from 'ioredis';

const CONNECT_TIMEOUT_MS = 3_000;
/** From the TCP connection to Redis's answer to the handshake and a PING. */
const REPLY_TIMEOUT_MS = 3_000;

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

/**
 * A command client, connected and answering PING, or CLUSTER_UNREACHABLE naming the URL and
 * why: ioredis's own rejection is "Connection is closed." whatever happened, so the first
 * 'error' event it emitted (the socket's errno, Redis's NOAUTH/WRONGPASS, a reply that is not
 * the Redis protocol) is what the message reports. A server that accepts the connection and
 * never answers is given REPLY_TIMEOUT_MS (ioredis waits for it forever).
 */
export async function connectRedis(master: RedisMaster): Promise<Redis> {
  const client = new Redis({
    ...baseOptions(master),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  const attempt: ConnectAttempt = {
    connected: false,
    firstError: undefined,
    protocolError: undefined,
    silent: false,
  };
  client.on('error', (e: unknown) => {
    attempt.firstError ??= e;
    if (e instanceof Error && NOT_RESP.test(e.message)) attempt.protocolError ??= e;
  });
  let timer: NodeJS.Timeout | undefined;
  const noReply = new Promise<never>((_, reject) => {
    client.once('connect', () => {
      attempt.connected = true;
      timer = setTimeout(() => {
        attempt.silent = true;
        reject(new Error('no reply'));
      }, REPLY_TIMEOUT_MS);
    });
  });
  noReply.catch(() => {});
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      noReply,
    ]);
  } catch (e) {
    client.disconnect();
    const why = explainConnectFailure(master, attempt, e);
    throw errors.clusterUnreachable(master.display, why.detail, why.errno);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** ioredis's parser on bytes that are not RESP: 'Unknown RESP type 72 "H"' or 'Protocol error'. */
const NOT_RESP = /Unknown RESP type \d+ ("[^"]*")|Protocol error/;

interface ConnectAttempt {
  /** The TCP connection was made: what failed after it is the server's answer. */
  connected: boolean;
  firstError: unknown;
  /**
   * A reply that was not the Redis protocol. An HTTP server answers and closes, so a write of
   * the client may fail (EPIPE) before or after the reply is parsed: the reply says more.
   */
  protocolError: unknown;
  /** Connected, and nothing came back within REPLY_TIMEOUT_MS. */
  silent: boolean;
}

/** What went wrong in words a user can act on, and the code behind it when there is one. */
function explainConnectFailure(
  master: RedisMaster,
  attempt: ConnectAttempt,
  thrown: unknown,
): { detail: string; errno?: string } {
  const address = `${master.host.includes(':') ? `[${master.host}]` : master.host}:${master.port}`;
  const seconds = REPLY_TIMEOUT_MS / 1000;
  if (attempt.silent) {
    return {
      detail: `${address} accepted the connection but sent no Redis reply within ${seconds} s: is it a Redis server?`,
    };
  }
  const e = attempt.protocolError ?? attempt.firstError ?? thrown;
  const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ECONNREFUSED':
      return { detail: `connection refused: nothing listens on ${address} (${code})`, errno: code };
    case 'ENOTFOUND':
      return { detail: `host not found: ${master.host} does not resolve (${code})`, errno: code };
    case 'EAI_AGAIN':
      return {
        detail: `host not found: ${master.host} could not be resolved (${code}, a DNS failure)`,
        errno: code,
      };
    case 'ETIMEDOUT':
      return {
        detail: `no connection to ${address} within ${CONNECT_TIMEOUT_MS / 1000} s (${code})`,
        errno: code,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { detail: `${address} is unreachable (${code})`, errno: code };
    case undefined:
      break;
    default:
      if (attempt.connected) {
        return {
          detail: `${address} closed the connection without a Redis reply (${code}): is it a Redis server?`,
          errno: code,
        };
      }
      return { detail: `cannot connect to ${address}: ${message}`, errno: code };
  }
  // Redis's own refusals start with an upper-case code: NOAUTH, WRONGPASS, DENIED, LOADING.
  const reply = /^([A-Z]+) /.exec(message)?.[1];
  if (reply === 'NOAUTH') {
    return master.password === undefined
      ? {
          detail: `${address} requires a password and the URL has none (redis://:PASSWORD@${address})`,
          errno: reply,
        }
      : { detail: `${address} refused the password of the URL (${reply})`, errno: reply };
  }
  if (reply === 'WRONGPASS' || /invalid password/i.test(message)) {
    const who = master.username === undefined ? '' : ` for user ${master.username}`;
    return {
      detail: `${address} refused the password of the URL${who} (${reply ?? 'ERR'})`,
      errno: reply ?? 'WRONGPASS',
    };
  }
  if (reply !== undefined && e instanceof Error && e.name === 'ReplyError')
    return {
      detail: `the Redis server at ${address} refused the connection: ${message}`,
      errno: reply,
    };
  const unknownType = NOT_RESP.exec(message);
  if (unknownType !== null) {
    const first = unknownType[1] === undefined ? '' : ` (its reply starts with ${unknownType[1]})`;
    return {
      detail: `${address} is not a Redis server: it does not answer in the Redis protocol${first}`,
    };
  }
  if (attempt.connected && attempt.firstError === undefined)
    return {
      detail: `${address} closed the connection without a Redis reply: is it a Redis server?`,
    };
  return { detail: message };
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
