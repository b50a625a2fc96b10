// This package's version, which drivers and workers compare: a worker refuses an application
// of another version, since a plan built by one version's scheduler may not mean the same to
// another's workers. KINDLING_WORKER_VERSION overrides it in `kindling worker` (a test hook).

import fs from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= (
    JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
