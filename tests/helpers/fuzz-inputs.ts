/**
 * Hostile input generators for tests/fuzz.test.ts: strings and numbers that break naive code (NUL, lone surrogates,
 * bidi overrides, 100 kB, NaN-likes), prototype-ish keys, values of every type superjson can carry, deep nesting
 * and bodies that are not JSON at all. Everything here is deterministic given fast-check's seed.
 */
import fc from 'fast-check';

/** Strings that have broken real servers: control characters, encodings, injections, prototype names. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '   \t\n',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\ufeff',
  '💥🧨',
  'e\u0301\u0301\u0301',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '__proto__',
  'constructor',
  "'; drop table todos; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%ff%E0%A4%A',
  '${process.exit()}',
  '{"json":1}',
  '00000000-0000-0000-0000-000000000000',
  'tas_0000000000',
];

/** Sizes around the app's limits and well past them. */
const HUGE_STRINGS = [
  'x'.repeat(101),
  'x'.repeat(301),
  'x'.repeat(501),
  'x'.repeat(2_001),
  'x'.repeat(8_001),
  'x'.repeat(100_000),
  '\u0000'.repeat(1_000),
  '💥'.repeat(20_000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map((text) => `${text}\u0000${text}`) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
);

/** Numbers at and past the edges; NaN and the infinities survive superjson (plain JSON turns them into null). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    -1e308,
    1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -(2 ** 63),
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.double(),
);

/** Keys that trip prototype handling, plus random ones. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'then',
    'toJSON',
    '',
    '\u0000',
    'a.b',
    '0',
    '-1',
    'x'.repeat(200),
  ),
  fc.string({ maxLength: 8 }),
);

/** What a generated value may hold: superjson-only types (BigInt, Date, Map, Set); text the database can't store. */
export interface ValueOptions {
  superjson: boolean;
  /** Only text the database can store (no U+0000, no unpaired surrogate), so other checks are reached. */
  storable?: boolean;
}

const storableString = hostileString.filter((text) => isStorableText(text));
const storableKey = hostileKey.filter((key) => isStorableText(key));
const keyFor = (opts: ValueOptions) => (opts.storable ? storableKey : hostileKey);

const scalar = (opts: ValueOptions): fc.Arbitrary<unknown> =>
  fc.oneof(
    opts.storable ? storableString : hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    ...(opts.superjson
      ? [
          fc.constant(undefined),
          fc.bigInt(),
          fc.date({ noInvalidDate: false }),
          fc.constant(/a+$/),
          fc.constant(new URL('http://evil.test/')),
        ]
      : []),
  );

/** Any value, nested a little; with `superjson` it also holds what only superjson carries (BigInt, Date, Map, Set). */
export function hostileValue(opts: ValueOptions): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar(opts),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(keyFor(opts), tie('value'), { maxKeys: 4, noNullPrototype: true }),
      ...(opts.superjson
        ? [
            fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
            fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => new Map(pairs)),
          ]
        : []),
    ),
  }));
  return value;
}

/** Values that are sometimes right for a field (so other fields' errors are reached) and often wrong. */
export function fieldValue(opts: ValueOptions): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: hostileValue(opts) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.uuid(),
        fc.constantFrom('ok', 'Buy milk', 'a\u0000b', 'lone \ud800', 'http://app.test/', '1', 'user', 'text'),
        fc.boolean(),
        fc.integer({ min: -2, max: 3 }),
        fc.constant(null),
        ...(opts.superjson ? [fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })] : []),
      ),
    },
  );
}

/**
 * An object with some of the given fields (each from its own generator) and now and then a hostile extra key; or,
 * at times, not an object at all.
 */
export function objectOf(
  fields: Record<string, fc.Arbitrary<unknown>>,
  opts: ValueOptions,
): fc.Arbitrary<unknown> {
  const object = fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.dictionary(keyFor(opts), hostileValue(opts), { maxKeys: 2, noNullPrototype: true }), {
        freq: 3,
      }),
    )
    .map(([known, extra]) => {
      const result: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(extra ?? {})) defineField(result, key, value);
      for (const [key, value] of Object.entries(known)) defineField(result, key, value);
      return result;
    });
  return fc.oneof({ weight: 5, arbitrary: object }, { weight: 1, arbitrary: hostileValue(opts) });
}

/** {@link objectOf} with one generator for every field. */
export function objectWithFields(
  keys: readonly string[],
  value: fc.Arbitrary<unknown>,
  opts: ValueOptions,
): fc.Arbitrary<unknown> {
  return objectOf(Object.fromEntries(keys.map((key) => [key, value])), opts);
}

/** Sets an own property, even `__proto__` (plain assignment would change the prototype instead). */
export function defineField(object: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON nested `depth` levels deep, built as text (serializers themselves overflow on such values). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Deeply nested JSON texts, built once. */
export const DEEP_JSON = [deepJson(64, 'object'), deepJson(3_000, 'array'), deepJson(30_000, 'object')];

/** Text that is not JSON, or not quite. */
export const notJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"json":',
    '[1,]',
    "{'a':1}",
    'undefined',
    'NaN',
    '{"a":1}}',
    '\u0000',
    '\ufeff{}',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Text PostgreSQL can store: no U+0000 (text and jsonb refuse it) and no unpaired surrogate (jsonb refuses it). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/** The path of the first string or key inside `value` that the database could not store, or null. */
export function findUnstorableText(value: unknown): (string | number)[] | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  const seen = new Set<unknown>();
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value: current, path } = item;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return path;
    } else if (typeof current === 'object' && current !== null && !seen.has(current)) {
      seen.add(current);
      if (current instanceof Map || current instanceof Set) {
        for (const entry of current) stack.push({ value: entry, path });
      } else {
        for (const key of Object.keys(current)) {
          const at = [...path, Array.isArray(current) ? Number(key) : key];
          if (!isStorableText(key)) return at;
          stack.push({ value: (current as Record<string, unknown>)[key], path: at });
        }
      }
    }
  }
  return null;
}

/** A plain object (what zod calls an object: not null, not an array). */
export function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
