// The storage interface: where shuffle outputs, broadcast values and large plans (cluster
// mode), disk cache blocks and reliable checkpoints live, as whole objects named by a local
// path or an `s3://` URL. Two implementations, a file system and S3, behind one shape; a
// missing object is its own variant, never an empty read. Every failure is a KindlingError
// naming the path or URL and the operation.

/** Bytes [start, end) of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

export type ReadResult = { kind: 'found'; bytes: Buffer } | { kind: 'missing' };
export type StatResult = { kind: 'found'; size: number } | { kind: 'missing' };
export type DownloadResult = { kind: 'found'; bytes: number } | { kind: 'missing' };
/** `exists`: a no-clobber write met an object already there, and left it as it was. */
export type WriteResult = { kind: 'written' } | { kind: 'exists' };

export interface ListedObject {
  /** The object's name relative to the listed prefix ('rdd-3/part-00000'). */
  name: string;
  size: number;
}

export interface WriteOptions {
  /**
   * Commit rule of checkpoints: the write succeeds only where no object is (a hard link on a
   * file system, `If-None-Match: *` on S3), so a duplicate attempt never replaces a committed
   * object.
   */
  noClobber?: boolean;
}

export interface ObjectStore {
  readonly kind: 'fs' | 's3';
  stat(url: string): Promise<StatResult>;
  read(url: string, range?: ByteRange): Promise<ReadResult>;
  /**
   * Writes the object (or its range, at the same offset: a sparse local copy whose other
   * bytes are never read) into the local file `file`, creating it.
   */
  download(url: string, file: string, range?: ByteRange): Promise<DownloadResult>;
  write(url: string, bytes: Uint8Array, opts?: WriteOptions): Promise<WriteResult>;
  /** Copies a local file to the object (S3: multipart above a part size). */
  upload(url: string, file: string, opts?: WriteOptions): Promise<WriteResult>;
  /** Every object under the prefix (a directory's files, recursively), sorted by name. */
  list(prefix: string): Promise<ListedObject[]>;
  remove(url: string): Promise<void>;
  /** Removes every object under the prefix; nothing there is no error. */
  removeAll(prefix: string): Promise<void>;
  /**
   * Answers when the location can be used (S3: the bucket exists and the credentials are
   * accepted), so a job fails at its start, naming the URL, rather than in its first task.
   */
  probe(prefix: string, purpose: string): Promise<void>;
}

/** The synchronous reads that definition-time calls need (ctx.checkpointFile, ctx.textFile). */
export interface SyncObjectReader {
  stat(url: string): StatResult;
  read(url: string, range?: ByteRange): ReadResult;
  list(prefix: string): ListedObject[];
}
