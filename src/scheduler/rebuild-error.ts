// Turns a SerializedError from a worker back into an Error on the main thread:
// the user's error keeps its name, message and worker stack; a KindlingError
// raised in the worker comes back as a KindlingError with its code and context.

import { KindlingError, type ErrorCode } from '../shared/errors.js';
import type { SerializedError } from '../shared/protocol.js';

export function rebuildError(e: SerializedError): Error {
  if (e.kindling !== undefined) {
    const err = new KindlingError(e.kindling.code as ErrorCode, e.message, e.kindling.context);
    if (e.stack !== undefined) err.stack = e.stack;
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}
