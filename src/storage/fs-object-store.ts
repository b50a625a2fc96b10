// The file-system ObjectStore: a local or shared-mount directory (NFS and the like). Writes
// go to a temp name, are synced, then published by a hard link (no-clobber) or a rename, so a
// reader never sees half an object; every errno becomes an IO_ERROR naming the file.

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type {
  ByteRange,
  DownloadResult,
  ListedObject,
  ObjectStore,
  ReadResult,
  StatResult,
  SyncObjectReader,
  WriteOptions,
  WriteResult,
} from './object-store.js';
import { syncDirectory } from './durable-file.js';
import { ensureDirectory, errnoOf, ioError } from '../shared/io-errors.js';

let tempCounter = 0;

function tempNameFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${tempCounter++}.tmp`,
  );
}

function isMissing(e: unknown): boolean {
  const code = errnoOf(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Publishes `temp` as `file`: a link refuses an existing name (no-clobber), a rename replaces. */
function publish(temp: string, file: string, opts: WriteOptions | undefined): WriteResult {
  try {
    if (opts?.noClobber === true) {
      try {
        fs.linkSync(temp, file);
      } catch (e) {
        if (errnoOf(e) === 'EEXIST') return { kind: 'exists' };
        throw e;
      }
      fs.rmSync(temp, { force: true });
    } else {
      fs.renameSync(temp, file);
    }
    syncDirectory(path.dirname(file));
    return { kind: 'written' };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

export const fsSyncReader: SyncObjectReader = {
  stat(file: string): StatResult {
    try {
      const s = fs.statSync(file);
      return { kind: 'found', size: s.size };
    } catch (e) {
      if (isMissing(e)) return { kind: 'missing' };
      throw ioError('read', file, e);
    }
  },
  read(file: string, range?: ByteRange): ReadResult {
    try {
      if (range === undefined) return { kind: 'found', bytes: fs.readFileSync(file) };
      const fd = fs.openSync(file, 'r');
      try {
        const bytes = Buffer.alloc(range.end - range.start);
        const n = fs.readSync(fd, bytes, 0, bytes.length, range.start);
        return { kind: 'found', bytes: bytes.subarray(0, n) };
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      if (isMissing(e)) return { kind: 'missing' };
      throw ioError('read', file, e);
    }
  },
  list(dir: string): ListedObject[] {
    const out: ListedObject[] = [];
    const walk = (sub: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(dir, sub), { withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return;
        throw ioError('list', path.join(dir, sub), e);
      }
      for (const entry of entries) {
        const name = sub === '' ? entry.name : `${sub}/${entry.name}`;
        if (entry.isDirectory()) walk(name);
        else if (entry.isFile()) {
          const stat = fsSyncReader.stat(path.join(dir, name));
          if (stat.kind === 'found') out.push({ name, size: stat.size });
        }
      }
    };
    walk('');
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
};

export const fsObjectStore: ObjectStore = {
  kind: 'fs',
  stat: (file) => Promise.resolve(fsSyncReader.stat(file)),
  read: (file, range) => Promise.resolve(fsSyncReader.read(file, range)),
  list: (dir) => Promise.resolve(fsSyncReader.list(dir)),

  async download(file: string, target: string, range?: ByteRange): Promise<DownloadResult> {
    try {
      ensureDirectory(path.dirname(target), 'staging directory');
      const input = fs.createReadStream(
        file,
        range === undefined ? {} : { start: range.start, end: range.end - 1 },
      );
      const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT);
      const output = fs.createWriteStream('', { fd, start: range?.start ?? 0 });
      await pipeline(input, output);
      return { kind: 'found', bytes: output.bytesWritten };
    } catch (e) {
      if (isMissing(e) && !fs.existsSync(file)) return { kind: 'missing' };
      throw ioError('copy', file, e);
    }
  },

  write(file: string, bytes: Uint8Array, opts?: WriteOptions): Promise<WriteResult> {
    const temp = tempNameFor(file);
    try {
      ensureDirectory(path.dirname(file), 'storage directory');
      const fd = fs.openSync(temp, 'w');
      try {
        fs.writeSync(fd, bytes);
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return Promise.resolve(publish(temp, file, opts));
    } catch (e) {
      fs.rmSync(temp, { force: true });
      return Promise.reject(ioError('write', file, e));
    }
  },

  upload(file: string, source: string, opts?: WriteOptions): Promise<WriteResult> {
    const temp = tempNameFor(file);
    try {
      ensureDirectory(path.dirname(file), 'storage directory');
      fs.copyFileSync(source, temp);
      return Promise.resolve(publish(temp, file, opts));
    } catch (e) {
      fs.rmSync(temp, { force: true });
      return Promise.reject(ioError('write', file, e));
    }
  },

  remove(file: string): Promise<void> {
    try {
      fs.rmSync(file, { force: true });
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(ioError('remove', file, e));
    }
  },

  removeAll(dir: string): Promise<void> {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(ioError('remove', dir, e));
    }
  },

  probe(dir: string, purpose: string): Promise<void> {
    try {
      ensureDirectory(dir, purpose);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(ioError('create', dir, e));
    }
  },
};
