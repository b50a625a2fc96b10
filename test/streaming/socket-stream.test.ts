// socketTextStream against a real TCP server on loopback: its lines end as textFile's do, at
// '\n', '\r' or '\r\n', wherever the chunks the socket delivers are cut.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { Context, ManualClock, StreamingContext } from 'kindling';

const ctx = new Context({ workers: 1, progress: false });
after(() => ctx.stop());

/** Runs batches until `done` holds; what the stream received shows only in a batch's records. */
async function batchesUntil(clock: ManualClock, done: () => boolean, what: string): Promise<void> {
  // A bound only so that a broken stream fails instead of running batches for ever.
  for (let i = 0; i < 2000 && !done(); i++) await clock.advance(1000);
  assert.ok(done(), `no batch had ${what}`);
}

test('socketTextStream lines end at \\n, \\r or \\r\\n, a \\r\\n cut between two chunks ending one line', async () => {
  const server = net.createServer();
  const connected = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const clock = new ManualClock();
  const ssc = new StreamingContext(ctx, 1000, { clock });
  const lines: string[] = [];
  ssc.socketTextStream('127.0.0.1', port).foreachRDD(async (rdd) => {
    lines.push(...(await rdd.collect()));
  });
  await ssc.start();
  const socket = await connected;

  // The first chunk ends between the '\r' and the '\n' of a line end: 'c' is not known whole.
  socket.write('a\rb\r\nc\r');
  await batchesUntil(clock, () => lines.includes('b'), 'the first chunk');
  assert.deepEqual(lines, ['a', 'b']);

  // Its '\n' ends the same line; the last line, with no line end, comes when the server closes.
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.end('\nd\ne');
  server.close();
  await closed;
  await batchesUntil(clock, () => lines.includes('e'), 'the last line');
  assert.deepEqual(lines, ['a', 'b', 'c', 'd', 'e']);
  await ssc.stop({ stopContext: false });
});

test('socketTextStream that cannot connect says so once as a warning, naming the address, and keeps trying', async () => {
  // A port nothing listens on: taken from a server closed at once.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const warnings: string[] = [];
  const first = new Promise<void>((resolve) =>
    ctx.on('warning', (w) => {
      warnings.push(w.message);
      resolve();
    }),
  );
  const ssc = new StreamingContext(ctx, 1000, { clock: new ManualClock() });
  ssc.socketTextStream('127.0.0.1', port).foreachRDD(() => undefined);
  await ssc.start();
  await first;
  assert.match(
    warnings[0] ?? '',
    new RegExp(
      `^socketTextStream 127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\); connecting again every 1 s$`,
    ),
  );
  await ssc.stop({ stopContext: false });
  assert.equal(warnings.length, 1);
});
