// What the method-arity tests share (test/e2e/method-arity.test.ts for RDD and Context,
// test/streaming/method-arity.test.ts for the streaming classes): a call of each public method
// with its documented arguments, made with one more, and the methods those calls must cover,
// read from the arity tables themselves (src/method-arity.ts, src/streaming/stream-arity.ts):
// no second list of method names is kept by hand. That an entry the tables call internal is
// no public API is checked against the published declarations, from which tsc's stripInternal
// removes every @internal member.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ts from 'typescript';
import { KindlingError } from 'kindling';

type Entry = number | { readonly rejects: number } | 'internal';
/** An arity table as the engine declares it (ArityTable<C>), read as plain data. */
export type Table = Readonly<Record<string, Entry>>;

/** What a call is made on, and the name errors give it (`rdd`, `ssc`, `StreamingContext`). */
export interface Target {
  prefix: string;
  value: object;
}

export interface Call {
  target: Target;
  method: string;
  /** The documented arguments, all of them: the check adds one more. */
  args: unknown[];
  /** Methods returning a Promise reject rather than throw. */
  rejects: boolean;
}

export const target = (prefix: string, value: object): Target => ({ prefix, value });

export const sync = (on: Target, method: string, ...args: unknown[]): Call => ({
  target: on,
  method,
  args,
  rejects: false,
});

export const action = (on: Target, method: string, ...args: unknown[]): Call => ({
  target: on,
  method,
  args,
  rejects: true,
});

/** The entries a user may call, with at most a bounded number of arguments. */
export function bounded(table: Table): string[] {
  return Object.entries(table)
    .filter(([, e]) => e !== 'internal' && e !== Infinity)
    .map(([name]) => name)
    .sort();
}

export function internal(table: Table): string[] {
  return Object.entries(table)
    .filter(([, e]) => e === 'internal')
    .map(([name]) => name)
    .sort();
}

/** The calls made on `targets` (instances of one class) are one per bounded entry of `table`. */
export function assertCallsCover(
  calls: readonly Call[],
  targets: readonly Target[],
  table: Table,
): void {
  const listed = calls.filter((c) => targets.includes(c.target)).map((c) => c.method);
  assert.deepEqual([...listed].sort(), bounded(table), targets[0]?.prefix);
}

/**
 * Every internal entry of `table` is @internal in the source: `className`'s own declaration in
 * `dts` (a compiled .d.ts) does not have it. (An entry inherited from a base class would need
 * that class's file: the tables have none.)
 */
export function assertInternalUnpublished(dts: URL, className: string, table: Table): void {
  const file = ts.createSourceFile(
    dts.pathname,
    fs.readFileSync(dts, 'utf8'),
    ts.ScriptTarget.Latest,
  );
  const decl = file.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className,
  );
  assert.ok(decl !== undefined, `${dts.pathname} declares class ${className}`);
  const published = new Set(
    decl.members.flatMap((m) =>
      m.name !== undefined && ts.isIdentifier(m.name) ? [m.name.text] : [],
    ),
  );
  for (const name of internal(table))
    assert.ok(
      !published.has(name),
      `${className}.${name} is published, yet its arity entry is 'internal'`,
    );
}

/** Each call, with one argument past its documented ones, is refused naming the method and the position. */
export async function assertEachRefusesOneMore(calls: readonly Call[]): Promise<void> {
  for (const { target: on, method, args, rejects } of calls) {
    const where = `${on.prefix}.${method}`;
    const n = args.length;
    const expected = n === 0 ? 'no arguments' : `at most ${n} argument${n === 1 ? '' : 's'}`;
    const refused = (e: unknown): boolean => {
      assert.ok(e instanceof KindlingError, `${where}: expected a KindlingError, got ${String(e)}`);
      assert.equal(e.code, 'INVALID_ARGUMENT', where);
      assert.equal(
        e.message,
        `Invalid argument ${where} argument ${n + 1}: expected ${expected}, received "extra"`,
      );
      return true;
    };
    const call = (): unknown =>
      (Reflect.get(on.value, method) as (...a: unknown[]) => unknown).apply(on.value, [
        ...args,
        'extra',
      ]);
    if (rejects) {
      let result: unknown;
      assert.doesNotThrow(() => (result = call()), `${where} rejects, never throws`);
      await assert.rejects(result as Promise<unknown>, refused, where);
    } else assert.throws(call, refused, where);
  }
}
