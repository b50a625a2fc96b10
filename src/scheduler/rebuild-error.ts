// Turns a SerializedError from a worker back into an Error on the main thread:
// the user's error keeps its name, message and worker stack; a KindlingError
// raised in the worker comes back as a KindlingError with its code and context.
// Frames in compiled code (a TypeScript job's shipped functions, which a worker runs at their
// compiled positions) are mapped to the source here, where the source maps are.

import { KindlingError, type ErrorCode } from '../shared/errors.js';
import type { SerializedError } from '../shared/protocol.js';
import { mapStackFrames } from '../shipping/source-maps.js';

export function rebuildError(e: SerializedError): Error {
  if (e.kindling !== undefined) {
    const err = new KindlingError(e.kindling.code as ErrorCode, e.message, e.kindling.context);
    if (e.stack !== undefined) err.stack = mapStackFrames(e.stack);
    return err;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = mapStackFrames(e.stack);
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}
