// benchmark.js suite for hashKey, which runs once per record in every shuffle. Run after a
// build with: node dist/bench/keys.bench.js (targets: >= 20M number keys/s, >= 10M short
// string keys/s on one core).
import Benchmark from 'benchmark';
import { hashKey } from '../src/shared/keys.js';

const N = 1024; // keys per benchmark call, so the loop, not the call, dominates
const numbers = Array.from({ length: N }, (_, i) => i * 7.5 - 100);
const strings = Array.from({ length: N }, (_, i) => `user-${i}`);
const pairs = Array.from({ length: N }, (_, i): [string, number] => [`k${i % 100}`, i]);

let sink = 0;
function hashAll(keys: readonly unknown[]): void {
  for (let i = 0; i < keys.length; i++) sink ^= hashKey(keys[i]);
}

const suite = new Benchmark.Suite('hashKey');
suite
  .add('numbers', () => hashAll(numbers))
  .add('short strings', () => hashAll(strings))
  .add('[string, number] arrays', () => hashAll(pairs))
  .on('cycle', (event: Benchmark.Event) => {
    const bench = event.target;
    const keysPerSecond = (bench.hz ?? 0) * N;
    console.log(
      JSON.stringify({
        bench: `hashKey ${bench.name ?? ''}`,
        keysPerSecond: Math.round(keysPerSecond),
        rme: Number((bench.stats?.rme ?? 0).toFixed(2)),
        node: process.version,
      }),
    );
  })
  .on('complete', () => {
    if (sink === 0.5) console.log(sink); // keep the results alive
  })
  .run();
