// rdd.pipe in a worker (Spark's PipedRDD): the partition's records, one line each (strings as
// they are, anything else as JSON), go to the command's stdin; its stdout lines are the new
// records, ending at '\n', '\r' or '\r\n' as Spark's (read by Java's BufferedReader.readLine)
// and as textFile's lines (src/shared/line-ends.ts). The command runs without a shell, as
// Spark's ProcessBuilder does.

import { spawnSync } from 'node:child_process';
import { errors } from '../src/shared/errors.js';
import { batchesOf, type Batches } from './batch.js';
import { linesOf } from '../src/shared/line-ends.js';
import { textLine } from './text-output.js';

const STDERR_CHARS = 2000;

export function* pipePartition(argv: string[], input: Batches): Batches {
  let text = '';
  for (const batch of input) for (const record of batch) text += textLine(record) + '\n';
  const [command = '', ...args] = argv;
  const display = argv.join(' ');
  const result = spawnSync(command, args, {
    input: text,
    maxBuffer: 2 ** 31 - 1,
    encoding: 'utf8',
  });
  // EPIPE only says the command stopped reading its input (head, or one that reads none): its
  // exit status still decides.
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error !== undefined && error.code !== 'EPIPE')
    throw errors.pipeCommandFailed(display, `could not run: ${error.message}`, false);
  if (result.status !== 0) {
    const why =
      result.signal !== null
        ? `was killed by ${result.signal}`
        : `exited with code ${result.status}`;
    const stderr = result.stderr.trim().slice(0, STDERR_CHARS);
    throw errors.pipeCommandFailed(display, stderr === '' ? why : `${why}: ${stderr}`, true);
  }
  yield* batchesOf(linesOf(result.stdout));
}
