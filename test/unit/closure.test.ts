// shipFunction (src/shipping/closure.ts) from the user's side: which functions are refused at
// definition and why, and that an accepted one, rebuilt by the worker's own loadFunction
// (workers/functions.ts), computes what the original did.
/* eslint-disable @typescript-eslint/unbound-method --
   methods are shipped as detached values on purpose, and user functions may call require */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKindlingError } from '../../src/shared/errors.js';
import { fn } from '../../src/shipping/fn.js';
import { shipFunction, type ShippedFunction } from '../../src/shipping/closure.js';
import { loadFunction } from '../../workers/functions.js';

function source(shipped: ShippedFunction): string {
  assert.equal(shipped.kind, 'source');
  return shipped.kind === 'source' ? shipped.source : '';
}

/** The worker's own rebuild (workers/functions.ts), run in this thread. */
const rebuild = (shipped: ShippedFunction) => loadFunction(shipped);

function refusedNaming(f: unknown, variable: string): void {
  assert.throws(
    () => shipFunction(f, 'rdd.map'),
    (e: unknown) =>
      isKindlingError(e, 'TASK_NOT_SERIALIZABLE') &&
      e.context.variable === variable &&
      e.message.includes(`'${variable}'`) &&
      e.message.includes('env'),
  );
}

function refused(f: unknown, messagePart: RegExp): void {
  assert.throws(
    () => shipFunction(f, 'rdd.map'),
    (e: unknown) => isKindlingError(e, 'TASK_NOT_SERIALIZABLE') && messagePart.test(e.message),
  );
}

describe('shipFunction', () => {
  it('refuses a free variable at definition, naming it and pointing to env', () => {
    const factor = 3;
    refusedNaming((x: number) => x * factor, 'factor');
    const table = new Map<number, number>();
    refusedNaming((x: number) => table.get(x), 'table');
  });

  it('names the first free variable in source order', () => {
    const a = 1;
    const b = 2;
    refusedNaming((x: number) => x + b + a, 'b');
  });

  it('accepts a function that reads its values from env', async () => {
    const shipped = shipFunction((x: number, env: { k: number }) => x * env.k, 'rdd.map');
    assert.equal((await rebuild(shipped))(2, { k: 5 }), 10);
  });

  it('accepts JavaScript and Node globals', () => {
    const shipped = shipFunction(
      (x: string) => [
        Math.max(1, 2),
        JSON.stringify(x),
        new Map(),
        Buffer.from(x),
        new URL('file:///a'),
        process.pid,
      ],
      'rdd.map',
    );
    assert.equal(shipped.kind, 'source');
    shipFunction(() => new TextEncoder().encode(structuredClone('a')), 'rdd.map');
    shipFunction(() => console.log(globalThis, undefined, setTimeout, queueMicrotask), 'rdd.map');
  });

  it('refuses a name the program put on the main thread global object', () => {
    (globalThis as Record<string, unknown>)['kindlingTestGlobal'] = 1;
    try {
      refusedNaming(
        () => (globalThis as Record<string, unknown>)['x'] ?? kindlingTestGlobal,
        'kindlingTestGlobal',
      );
    } finally {
      delete (globalThis as Record<string, unknown>)['kindlingTestGlobal'];
    }
  });

  it('accepts what is bound inside the function itself', async () => {
    function withEverything(
      this: unknown,
      [a, { b }]: [number, { b: number }],
      c = a + b,
      ...rest: number[]
    ) {
      const local = a + b + c;
      const inner = (y: number) => y + local; // a closure over a local
      function hoisted(z: number): number {
        return z > 0 ? hoisted(z - 1) : inner(z);
      }
      const Klass = class {
        v = local;
        get twice() {
          return this.v * 2;
        }
      };
      outer: for (const r of rest) {
        for (;;) {
          if (r > 0) break outer;
          break;
        }
      }
      try {
        return [hoisted(2), new Klass().twice, arguments.length, this];
      } catch (err) {
        return err;
      }
    }
    const rebuilt = await rebuild(shipFunction(withEverything, 'rdd.map'));
    assert.deepEqual(rebuilt([1, { b: 2 }]), [6, 12, 1, undefined]);
  });

  it('accepts method shorthand, getters and computed names, as plain functions', async () => {
    const key = 'computed';
    const obj = {
      plus(x: number) {
        return x + 1;
      },
      async asyncPlus(x: number) {
        return Promise.resolve(x + 1);
      },
      *gen(n: number) {
        yield n;
      },
      [key](x: number) {
        return x * 2;
      },
      get answer() {
        return 42;
      },
    };
    assert.equal((await rebuild(shipFunction(obj.plus, 'rdd.map')))(1), 2);
    assert.equal((await rebuild(shipFunction(obj[key], 'rdd.map')))(4), 8);
    assert.deepEqual(
      [...((await rebuild(shipFunction(obj.gen, 'rdd.map')))(3) as Iterable<number>)],
      [3],
    );
    assert.match(source(shipFunction(obj.asyncPlus, 'rdd.map')), /^async function/);
    const getter = Object.getOwnPropertyDescriptor(obj, 'answer')?.get;
    assert.equal((await rebuild(shipFunction(getter, 'rdd.map')))(), 42);
    const plus = shipFunction(obj.plus, 'rdd.map');
    assert.equal(plus.kind === 'source' ? plus.name : '', 'plus');
    assert.match(source(plus), /^function \(x\) \{\s+return x \+ 1;\s+\}$/);
  });

  it('refuses a method that uses super, since it cannot stand alone', () => {
    const obj = {
      m() {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access -- super is untyped in object literals
        return super.toString();
      },
    };
    refused(obj.m, /super/);
  });

  it('accepts async functions and arrows with expression bodies', async () => {
    const shipped = shipFunction(async (x: number) => (await Promise.resolve(x)) + 1, 'rdd.map');
    assert.equal(await (await rebuild(shipped))(1), 2);
    assert.equal(
      (await rebuild(shipFunction((x: number) => ({ x }), 'rdd.map')))(1) instanceof Object,
      true,
    );
  });

  it('accepts require and rewrites dynamic import for the worker', () => {
    const shipped = shipFunction(async () => {
      const os = (await import('node:os')) as { EOL: string };
      return [require('node:path') as unknown, os.EOL];
    }, 'rdd.map');
    assert.doesNotMatch(source(shipped), /\bimport\(/);
    assert.match(source(shipped), /__kindlingImport\('node:os'\)/);
  });

  it('refuses import() of a relative literal specifier', () => {
    // @ts-expect-error -- never imported: the function is refused before it could run
    refused(() => import('./x.js'), /absolute path/);
  });

  it('refuses sloppy-mode-only code, since workers run functions in strict mode', () => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- sloppy code cannot be written in this module
    const sloppy = new Function('return function (o) { with (o) { return a } }') as () => unknown;
    refused(sloppy(), /strict mode/);
  });

  it('does not mistake names bound next to a direct eval for free variables', () => {
    assert.equal(shipFunction((x: string) => eval(x) as unknown, 'rdd.map').kind, 'source');
  });

  it('refuses native, bound and class values, and non-functions', () => {
    refused(Math.sqrt, /native function/);
    refused(((x: number) => x).bind(null), /bound function/);
    refused(class Point {}, /class/);
    assert.throws(
      () => shipFunction(42, 'rdd.map'),
      (e: unknown) => isKindlingError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('passes an fn() reference through as plain data', () => {
    assert.deepEqual(shipFunction(fn('node:path', 'join'), 'rdd.map'), {
      kind: 'ref',
      module: 'node:path',
      exportName: 'join',
    });
  });

  it('memoizes: a refused function is refused again, an accepted one gives the same source', () => {
    const f = (x: number) => x + 1;
    assert.deepEqual(shipFunction(f, 'rdd.map'), shipFunction(f, 'rdd.filter'));
    const k = 1;
    const g = () => k;
    refusedNaming(g, 'k');
    refusedNaming(g, 'k');
  });
});

declare const kindlingTestGlobal: unknown;
