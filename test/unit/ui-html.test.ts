// The UI's html tag escapes every interpolated value, so user strings (RDD names, error
// messages, options) are always text; quantiles are nearest-rank as Spark's task summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, raw } from '../../src/ui/html.js';
import { quantiles } from '../../src/ui/pages/stage-page.js';

test('interpolated strings are escaped, nested html and raw constants are not', () => {
  const name = `<script>alert("x")</script> & 'q'`;
  const cell = html`<td title="${name}">${name}</td>`;
  const out = html`${cell}${html`<b>${name}</b>`}${raw('<hr>')}`.value;
  const e = escapeHtml(name);
  assert.equal(e, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  assert.equal(out, `<td title="${e}">${e}</td><b>${e}</b><hr>`);
});

test('arrays are joined, undefined and false render nothing, objects render as escaped JSON', () => {
  assert.equal(html`${['<a>', html`<i></i>`]}`.value, '&lt;a&gt;<i></i>');
  assert.equal(html`[${undefined}${false}${null}]`.value, '[]');
  assert.equal(html`${{ k: '<v>' }}`.value, '{&quot;k&quot;:&quot;&lt;v&gt;&quot;}');
});

test('quantiles are min, quartiles by nearest rank, median and max', () => {
  assert.deepEqual(quantiles([]), []);
  assert.deepEqual(quantiles([5]), [5, 5, 5, 5, 5]);
  assert.deepEqual(quantiles([9, 1, 5, 3, 7]), [1, 3, 5, 7, 9]);
});
