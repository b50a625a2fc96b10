// The master URL (Spark's --master): 'local' runs tasks on this process's worker threads;
// 'redis://[:password@]host:port[/db]' runs them as BullMQ jobs taken by `kindling worker`
// processes. Parsed and validated here only; the password never appears in a message.

import { errors } from '../shared/errors.js';

export type MasterSpec =
  | { kind: 'local' }
  | {
      kind: 'redis';
      /** The URL as given, password included: what ioredis connects with. */
      url: string;
      /** The URL with its password replaced by '***': what messages and events show. */
      display: string;
      host: string;
      port: number;
      db: number;
      password?: string;
      username?: string;
    };

export function parseMaster(name: string, value: unknown): MasterSpec {
  if (value === undefined || value === 'local') return { kind: 'local' };
  const expected = "'local' or 'redis://[:password@]host:port[/db]'";
  if (typeof value !== 'string') throw errors.invalidArgument(name, expected, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidArgument(name, expected, redact(value));
  }
  const db = url.pathname === '' || url.pathname === '/' ? 0 : Number(url.pathname.slice(1));
  const port = url.port === '' ? 6379 : Number(url.port);
  if (url.protocol !== 'redis:' || url.hostname === '' || !Number.isInteger(db) || db < 0) {
    throw errors.invalidArgument(name, expected, redact(value));
  }
  const spec: MasterSpec = {
    kind: 'redis',
    url: value,
    display: redact(value),
    // An IPv6 host keeps its brackets in a URL ('[::1]'); a socket wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
  };
  if (url.password !== '') spec.password = decodeURIComponent(url.password);
  if (url.username !== '') spec.username = decodeURIComponent(url.username);
  return spec;
}

/** The URL with any password replaced, for messages: Redis carries code, its password is a secret. */
export function redact(url: string): string {
  // Any scheme: a mistyped one (rediss, http) may still carry the password.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
