// A path as a user hands it to Kindling: a plain path, or a `file:` URL as Spark and Hadoop
// accept one (`file:///tmp/x`, `file:/tmp/x`, `file://localhost/tmp/x`), a string or a URL
// object. Every public entry that takes a path calls localPath once, so the engine only ever
// sees absolute paths (or `s3://` URLs, where storage may be on S3); any other scheme is
// refused naming the argument, never resolved into a local folder called `hdfs:`.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../shared/errors.js';
import { formatS3Url, isS3Url, parseS3Url } from './storage-url.js';

export interface PathRules {
  /** What the argument is, for the error (default 'a path'). */
  expected?: string;
  /** Whether an `s3://bucket/key` URL is accepted (returned checked, as a URL). */
  s3?: boolean;
}

// A URL scheme followed by a slash: `hdfs://nn/x`, `hdfs:/x`, `http://...`. One letter is a
// Windows drive (`C:/x`), and `a:b` without a slash stays a relative path, as it always was.
const SCHEME = /^([a-zA-Z][a-zA-Z\d+.-]+):\//;
const FILE_SCHEME = /^file:/i;

/**
 * `value` as an absolute local path: a path is resolved against the working directory, a
 * `file:` URL converted by fileURLToPath (percent-escapes decoded, as Node's fs does; in a
 * string, '?' and '#' are part of the path, as in Hadoop's Path, so a glob like `x?.txt`
 * works). With `rules.s3`, an `s3://` URL is returned checked instead. Anything else is
 * INVALID_ARGUMENT naming `argument`.
 */
export function localPath(value: unknown, argument: string, rules: PathRules = {}): string {
  const forms =
    `${rules.expected ?? 'a path'} ` +
    (rules.s3 === true ? '(a path, a file: URL or an s3:// URL)' : '(a path or a file: URL)');
  if (value instanceof URL) {
    if (value.protocol === 'file:') return fromFileUrl(value, value.href, argument, forms);
    if (value.protocol === 's3:' && rules.s3 === true) return s3Url(value.href, argument);
    throw unsupportedScheme(argument, forms, value.href, value.protocol);
  }
  if (typeof value !== 'string' || value === '')
    throw errors.invalidArgument(argument, forms, value);
  if (FILE_SCHEME.test(value)) {
    // Only an absolute file: URL names a path; WHATWG would read `file:x` as `/x`.
    if (!/^file:\//i.test(value))
      throw errors.badPath(argument, forms, value, 'a file: URL needs an absolute path');
    let url: URL;
    try {
      url = new URL(value.replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23')));
    } catch (e) {
      throw errors.badPath(argument, forms, value, `it is not a valid URL (${messageOf(e)})`);
    }
    return fromFileUrl(url, value, argument, forms);
  }
  if (isS3Url(value)) {
    if (rules.s3 === true) return s3Url(value, argument);
    throw unsupportedScheme(argument, forms, value, 's3:');
  }
  const scheme = SCHEME.exec(value)?.[1];
  if (scheme !== undefined) throw unsupportedScheme(argument, forms, value, `${scheme}:`);
  return path.resolve(value);
}

function fromFileUrl(url: URL, shown: string, argument: string, forms: string): string {
  try {
    return path.resolve(fileURLToPath(url));
  } catch (e) {
    // A host other than localhost (a network share), an encoded '/', a malformed escape.
    const why =
      url.host !== '' && url.host !== 'localhost'
        ? `it names the host ${url.host}; a file: URL here names a file of this machine (no host, or localhost)`
        : messageOf(e);
    throw errors.badPath(argument, forms, shown, why);
  }
}

function s3Url(url: string, argument: string): string {
  return formatS3Url(parseS3Url(url, argument));
}

function unsupportedScheme(argument: string, forms: string, value: string, scheme: string) {
  return errors.badPath(argument, forms, value, `the ${scheme} scheme is not supported here`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
