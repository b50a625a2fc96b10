// benchmark.js suite for the crc32 every frame is checked with (native-bindings/crc32.ts, over
// @node-rs/crc32) against node's zlib.crc32, the baseline it replaced, on the same buffers in
// the same run: a frame payload (256 KiB, the checkpoint writer's target), a shuffle frame of
// 1024 pairs (~8 KiB) and 1 MiB. Run after a build with: node dist/bench/crc32.bench.js
// Both must give the same values; the ratio is ours / zlib's bytes per second.
import Benchmark from 'benchmark';
import os from 'node:os';
import zlib from 'node:zlib';
import { crc32 } from '../native-bindings/crc32.js';

const sizes = [8 << 10, 256 << 10, 1 << 20];
const buffers = sizes.map((n) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
});
for (const b of buffers) {
  if (crc32(b) !== zlib.crc32(b))
    throw new RangeError(`crc32 differs from zlib's on ${b.length} bytes`);
}

let sink = 0;
const hz = new Map<string, number>();
const suite = new Benchmark.Suite('crc32');
for (const b of buffers) {
  const options = { maxTime: 1, minSamples: 10 };
  suite
    .add(`kindling ${b.length}`, () => (sink ^= crc32(b)), options)
    .add(`zlib ${b.length}`, () => (sink ^= zlib.crc32(b)), options);
}

suite
  .on('cycle', (event: Benchmark.Event) => {
    const name = event.target.name ?? '';
    const bytes = Number(name.split(' ')[1]);
    hz.set(name, event.target.hz ?? 0);
    console.log(
      JSON.stringify({
        bench: `crc32 ${name}`,
        bytes,
        gbPerSecond: Number((((event.target.hz ?? 0) * bytes) / 1e9).toFixed(2)),
        rme: Number((event.target.stats?.rme ?? 0).toFixed(2)),
      }),
    );
  })
  .on('complete', () => {
    for (const n of sizes) {
      const ratio = (hz.get(`kindling ${n}`) ?? 0) / (hz.get(`zlib ${n}`) ?? 1);
      console.log(JSON.stringify({ bytes: n, kindlingVsZlib: Number(ratio.toFixed(2)) }));
    }
    console.log(
      JSON.stringify({
        machine: os.cpus()[0]?.model,
        cpus: os.cpus().length,
        node: process.version,
      }),
    );
    if (sink === 0.5) console.log(sink); // keep the results alive
  })
  .run();
