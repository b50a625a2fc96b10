// The one line rule (src/shared/line-ends.ts): '\n', '\r' and '\r\n' each end a line, and a
// text that arrives in chunks gives the same lines wherever the chunks are cut, a '\r\n' cut
// between its two characters included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, linesOf } from '../../src/shared/line-ends.js';

const TEXTS = [
  '',
  'a',
  'a\n',
  'a\r',
  'a\r\n',
  '\n',
  '\r',
  '\r\n',
  '\r\r\n\n',
  'a\rb\r\nc\nd',
  'unix\nmac\rdos\r\n\r\nlast',
  'é\r\n日本\r語\n',
];

test('a whole text: each of the three line ends ends one line, none at the end starts another', () => {
  assert.deepEqual(linesOf(''), []);
  assert.deepEqual(linesOf('a'), ['a']);
  assert.deepEqual(linesOf('a\r'), ['a']);
  assert.deepEqual(linesOf('\r'), ['']);
  assert.deepEqual(linesOf('\r\r\n\n'), ['', '', '']);
  assert.deepEqual(linesOf('a\rb\r\nc\nd'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(linesOf('unix\nmac\rdos\r\n\r\nlast'), ['unix', 'mac', 'dos', '', 'last']);
});

test('chunks give the lines of the whole text wherever they are cut, a \\r\\n cut in two included', () => {
  for (const text of TEXTS) {
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2++) {
        const lines = new LineSplitter();
        const got = [
          ...lines.push(text.slice(0, cut)),
          ...lines.push(text.slice(cut, cut2)),
          ...lines.push(text.slice(cut2)),
          ...lines.end(),
        ];
        assert.deepEqual(got, linesOf(text), `${JSON.stringify(text)} cut at ${cut}, ${cut2}`);
      }
    }
  }
});

test('a line is given as soon as its end is known: a \\r waits for the next chunk, a \\n does not', () => {
  const lines = new LineSplitter();
  assert.deepEqual(lines.push('a\nb\r'), ['a']);
  assert.deepEqual(lines.push('\nc\r'), ['b']);
  assert.deepEqual(lines.push('d'), ['c']);
  assert.deepEqual(lines.end(), ['d']);
  assert.deepEqual(lines.end(), [], 'end() leaves nothing behind');
});
