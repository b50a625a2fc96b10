// Small files that must survive a crash once written (manifests, streaming
// metadata): the data is synced before the rename that publishes it, and the
// directory after it, so the new name never points at missing bytes.

import fs from 'node:fs';

export function writeFileDurable(file: string, content: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
