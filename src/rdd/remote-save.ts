// saveAsTextFile and saveAsObjectFile to an `s3://` prefix. S3 has no rename, so an output is
// committed as a checkpoint is: each task uploads its part to its final name before its
// success is reported (storage/staged-outputs.ts), and `_SUCCESS` is written after the job,
// last. objectFile trusts only an output with `_SUCCESS`; textFile reads every visible part
// (as Hadoop's). A failed job removes what its tasks uploaded. The check that nothing is there
// yet is a listing, not an atomic rename: two saves racing to one prefix are not refused.

import { errors } from '../shared/errors.js';
import { SUCCESS_FILE } from '../shared/file-names.js';
import type { ResultAction } from '../shared/protocol.js';
import { storeFor } from '../storage/stores.js';
import { joinStoragePath } from '../storage/storage-url.js';
import type { RDD } from './rdd.js';

export async function saveToS3(
  rdd: RDD<unknown>,
  url: string,
  action: (dir: string) => ResultAction,
  argument: string,
): Promise<void> {
  const store = storeFor(url);
  // An object at the key itself, or any under it as a directory: Spark's FileAlreadyExists.
  if ((await store.list(url)).length > 0 || (await store.stat(url)).kind === 'found')
    throw errors.outputExists(argument, url, 'exists');
  try {
    await rdd.context.runJob(rdd, action(url));
    await store.write(joinStoragePath(url, SUCCESS_FILE), new Uint8Array(0), { noClobber: true });
  } catch (e) {
    // The job's own error is the one to report; a failed cleanup leaves parts without
    // _SUCCESS, which objectFile refuses.
    await store.removeAll(url).catch(() => undefined);
    throw e;
  }
}
