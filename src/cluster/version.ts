// The version drivers and workers compare: a worker refuses an application of another version,
// since a plan built by one build's scheduler may not mean the same to another's workers. It is
// the package's version and a fingerprint of the code that runs (its compiled src/ and workers/
// files), so two builds that both say 0.1.0 but ship plans, envs or tasks in different shapes
// refuse each other instead of misreading each other's plans. KINDLING_WORKER_VERSION overrides
// it in `kindling worker` (a test hook).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This file is <root>/src/cluster/version.js: the compiled code is <root>/src and <root>/workers.
const CODE_ROOTS = ['../', '../../workers/'];
const CODE_FILE = /\.(c|m)?js$/;

let cached: string | undefined;

/** The package's version and its code's fingerprint: 0.1.0+3f2a9c01d4. */
export function codeVersion(): string {
  cached ??= `${packageVersion()}+${codeFingerprint()}`;
  return cached;
}

function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
}

/** sha-256 over the code files' relative paths and contents, in path order; 10 hex digits. */
function codeFingerprint(): string {
  const hash = createHash('sha256');
  for (const root of CODE_ROOTS) {
    const dir = fileURLToPath(new URL(root, import.meta.url));
    const files = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => CODE_FILE.test(f))
      .sort();
    for (const file of files) {
      hash.update(`${root}${file}\0`);
      hash.update(fs.readFileSync(path.join(dir, file)));
    }
  }
  return hash.digest('hex').slice(0, 10);
}
