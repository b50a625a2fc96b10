// The package's version, read once from package.json (the one place it is written).

import fs from 'node:fs';

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(
      fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    const v: unknown = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'version') : '';
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const KINDLING_VERSION = readVersion();
