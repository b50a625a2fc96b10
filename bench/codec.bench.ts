// benchmark.js suite for the record codec against v8.serialize/deserialize,
// the baseline it replaces. Run after a build with: node dist/bench/codec.bench.js
// [--frame] (--frame: batches of 16k records, the size workers write, instead
// of 1M/200k). Target: >= 2x v8's records/s for encode and decode of each shape.
import Benchmark from 'benchmark';
import v8 from 'node:v8';
import { decodeRecords, encodeRecords } from '../src/shared/format/record-codec.js';

const frameSized = process.argv.includes('--frame');
const size = (n: number): number => (frameSized ? 16384 : n);

let seed = 1;
const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;

const shapes: { name: string; records: unknown[] }[] = [
  { name: 'numbers', records: Array.from({ length: size(1_000_000) }, () => random() * 1e6) },
  {
    name: '{id,name,score} objects',
    records: Array.from({ length: size(200_000) }, (_, i) => ({
      id: i,
      name: `user-${i}`,
      score: random() * 100,
    })),
  },
  {
    name: '[string, number] pairs',
    records: Array.from({ length: size(200_000) }, (_, i): [string, number] => [
      `key-${i % 5000}`,
      i,
    ]),
  },
];

let sink = 0;
const hz = new Map<string, number>();
const suite = new Benchmark.Suite('record codec');
for (const { name, records } of shapes) {
  const ours = encodeRecords(records);
  const theirs = v8.serialize(records);
  const options = { maxTime: 2, minSamples: 10 };
  suite
    .add(`encode kindling ${name}`, () => (sink ^= encodeRecords(records).length), options)
    .add(`encode v8 ${name}`, () => (sink ^= v8.serialize(records).length), options)
    .add(`decode kindling ${name}`, () => (sink ^= decodeRecords(ours).length), options)
    .add(
      `decode v8 ${name}`,
      () => (sink ^= (v8.deserialize(theirs) as unknown[]).length),
      options,
    );
  console.log(
    JSON.stringify({
      shape: name,
      records: records.length,
      kindlingBytes: ours.length,
      v8Bytes: theirs.length,
    }),
  );
}

suite
  .on('cycle', (event: Benchmark.Event) => {
    const bench = event.target;
    const name = bench.name ?? '';
    const shape = shapes.find((s) => name.endsWith(s.name));
    const records = shape?.records.length ?? 0;
    hz.set(name, bench.hz ?? 0);
    console.log(
      JSON.stringify({
        bench: `codec ${name}`,
        records,
        opsPerSecond: Number((bench.hz ?? 0).toFixed(2)),
        recordsPerSecond: Math.round((bench.hz ?? 0) * records),
        rme: Number((bench.stats?.rme ?? 0).toFixed(2)),
        node: process.version,
      }),
    );
  })
  .on('complete', () => {
    for (const { name } of shapes) {
      const ratio = (op: string): number =>
        Number(
          ((hz.get(`${op} kindling ${name}`) ?? 0) / (hz.get(`${op} v8 ${name}`) ?? 1)).toFixed(2),
        );
      console.log(
        JSON.stringify({ shape: name, encodeVsV8: ratio('encode'), decodeVsV8: ratio('decode') }),
      );
    }
    if (sink === 0.5) console.log(sink); // keep the results alive
  })
  .run();
