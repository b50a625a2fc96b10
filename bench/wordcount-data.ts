// The word count input: deterministic text (a seeded PRNG, no Math.random) of
// about `bytes` bytes, words drawn Zipf-like (density ~ 1/rank) from a 100,000
// word vocabulary, 12 words a line, single spaces. Written once under
// bench/.data/ (gitignored) to a temp name and renamed, then reused.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VOCABULARY = 100_000;
const WORDS_PER_LINE = 12;
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'po',
  'an',
  'el',
  'is',
  'or',
  'um',
  'qua',
];

export const DATA_DIR = fileURLToPath(new URL('../../bench/.data/', import.meta.url));

/** A 32-bit xorshift PRNG: the same file on every machine and every run. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function vocabulary(random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    const n = 1 + Math.floor(random() * 5); // 16^1 + ... + 16^5 possible words: enough for VOCABULARY
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

export function ensureWordcountFile(bytes: number): string {
  const file = path.join(DATA_DIR, `words-${Math.round(bytes / 1e6)}MB-v1.txt`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const random = xorshift(0x5eed);
  const vocab = vocabulary(random);
  const logV = Math.log(vocab.length);
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    let written = 0;
    while (written < bytes) {
      const lines: string[] = [];
      for (let l = 0; l < 20_000; l++) {
        const words: string[] = [];
        for (let i = 0; i < WORDS_PER_LINE; i++)
          words.push(vocab[Math.floor(Math.exp(random() * logV)) - 1] as string);
        lines.push(words.join(' '));
      }
      written += fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  return file;
}
