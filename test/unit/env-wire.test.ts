// The env wire form without threads: shipEnv on one side, v8 serialization (the structured clone
// of threads and of Redis) between, placeHandles on the other. Handles are instances of a test
// class here; what is checked is that they come back where they were and nothing else does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import {
  placeHandles,
  shipEnv,
  type HandleShipper,
  type ShippedEnv,
} from '../../src/shared/env-wire.js';

class Handle {
  constructor(readonly id: number) {}
}

const shipper: HandleShipper = {
  isHandle: (v) => v instanceof Handle,
  ship: (v) => ({ kind: 'broadcast', id: (v as Handle).id }),
};

/** What a worker's function receives for `env`: shipped, serialized, handles placed. */
function roundTrip(shipped: ShippedEnv): unknown {
  const wire = v8.deserialize(v8.serialize(shipped)) as ShippedEnv;
  return placeHandles(wire.data, wire.handles, (h) => `bound ${h.kind} ${'id' in h ? h.id : ''}`);
}

describe('env wire form', () => {
  it('puts handles back where they were, at any depth, and leaves data as it was', () => {
    const lookAlike = { kind: 'broadcast', id: 1 };
    /** [x, y, <hole>, 4] */
    const holed = (x: unknown, y: unknown): unknown[] => Object.assign([x, y], { 3: 4 });
    const env = {
      a: new Handle(1),
      list: holed(lookAlike, [new Handle(2)]),
      map: new Map([['k', lookAlike]]),
    };
    const got = roundTrip(shipEnv(env, 'rdd.map opts.env', shipper));
    assert.deepEqual(got, {
      a: 'bound broadcast 1',
      list: holed(lookAlike, ['bound broadcast 2']),
      map: new Map([['k', lookAlike]]),
    });
    assert.ok(!(2 in (got as { list: unknown[] }).list), 'the hole stays a hole');
  });

  it('ships an env holding no handle as it is, with no copy', () => {
    const table = Array.from({ length: 1000 }, (_, i) => i);
    const cyclic: { self?: unknown; table: number[] } = { table };
    cyclic.self = cyclic;
    const env = { table, cyclic, list: [{ a: 1 }, 'x'], map: new Map([[1, [2]]]) };
    const shipped = shipEnv(env, 'env', shipper);
    assert.equal(shipped.data, env, 'the data is the env itself');
    assert.deepEqual(shipped.handles, []);
    const got = roundTrip(shipped) as typeof env;
    assert.deepEqual(got, env);
    assert.equal(got.cyclic.self, got.cyclic, 'a cycle arrives as a cycle');
    assert.equal(got.cyclic.table, got.table, 'sharing arrives as sharing');
  });

  it("copies an env whose handle comes after shared and cyclic data, leaving the user's env as it was", () => {
    const shared = { n: 1 };
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const env = { one: shared, cyclic, list: [shared, [new Handle(7)]] };
    const shipped = shipEnv(env, 'env', shipper);
    assert.notEqual(shipped.data, env);
    assert.ok(env.list[1] !== undefined && (env.list[1] as unknown[])[0] instanceof Handle);
    const got = roundTrip(shipped) as { one: unknown; cyclic: { self: unknown }; list: unknown[] };
    assert.deepEqual(got.list, [{ n: 1 }, ['bound broadcast 7']]);
    assert.equal(got.list[0], got.one);
    assert.equal(got.cyclic.self, got.cyclic);
  });

  it('binds a handle that is the whole env', () => {
    assert.equal(roundTrip(shipEnv(new Handle(3), 'env', shipper)), 'bound broadcast 3');
  });

  it('splices an env it shipped before even when that env holds no handle', () => {
    const inner = shipEnv({ x: 1 }, 'inner', shipper);
    const got = roundTrip(shipEnv({ one: inner, two: [inner] }, 'outer', shipper));
    assert.deepEqual(got, { one: { x: 1 }, two: [{ x: 1 }] });
  });

  it('splices an env it shipped before at every place it is met, and only such an env', () => {
    const inner = shipEnv(new Handle(5), 'inner', shipper);
    const copy = { data: inner.data, handles: inner.handles };
    const got = roundTrip(shipEnv({ one: inner, two: [inner], copy }, 'outer', shipper));
    assert.deepEqual(got, {
      one: 'bound broadcast 5',
      two: ['bound broadcast 5'],
      copy: { data: null, handles: [{ path: [], handle: { kind: 'broadcast', id: 5 } }] },
    });
  });

  it('refuses a handle inside a Map, a Set or a class instance, naming where it is', () => {
    for (const [env, where] of [
      [{ m: new Map([[1, { h: new Handle(1) }]]) }, 'env.m'],
      [[new Set([new Handle(1)])], 'env[0]'],
      [
        {
          c: new (class Box {
            h = new Handle(1);
          })(),
        },
        'env.c',
      ],
    ] as const) {
      assert.throws(() => shipEnv(env, 'env', shipper), {
        code: 'INVALID_ARGUMENT',
        message: new RegExp(`^Invalid argument ${where.replace(/[.[\]]/g, '\\$&')}: `),
      });
    }
  });
});
