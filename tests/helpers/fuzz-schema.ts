/**
 * Inputs aimed at a procedure's own schema: values its JSON schema describes (so a fuzz input gets past the first
 * check to the code behind it), with text the database may not store mixed in, and the same values corrupted in one
 * place (one field of the wrong type, missing, or hostile). Generated from `z.toJSONSchema(schema)` or an MCP tool's
 * listed `inputSchema`.
 */
import fc from 'fast-check';
import { defineField, hostileValue, isObjectLike } from './fuzz-inputs';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

interface Options {
  /** Values only superjson carries (Date) may be used. */
  superjson: boolean;
  /** Every free-text string holds text the database cannot store (the rest of the value stays valid). */
  unstorable?: boolean;
}

/** Text that passes a length check yet holds what PostgreSQL cannot store (U+0000, an unpaired surrogate). */
const UNSTORABLE = ['a\u0000b', '\u0000', 'lone \ud800', '\udc00 first', 'x\ud83d'];

function stringArbitrary(schema: JsonSchema, opts: Options): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  if (schema.pattern === '^\\d+$') return fc.nat().map(String);
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 1_000;
  const fits = (text: string) => text.length >= min && text.length <= max;
  const unstorable = UNSTORABLE.map((text) => text.padEnd(min, 'x')).filter(fits);
  if (opts.unstorable && unstorable.length > 0) return fc.constantFrom(...unstorable);
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 12)) }) },
    { weight: 2, arbitrary: fc.constantFrom(...unstorable, 'x'.repeat(Math.max(min, 1))) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(Math.min(max, 10_000))) },
  );
}

/** Values the schema describes (mostly valid for it; zod's refinements, say `trim().min(1)`, may still refuse some). */
export function validish(schema: JsonSchema, opts: Options): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => validish(option, opts)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema, opts);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? 3, minLength + 2);
      return fc.array(validish(schema.items ?? {}, opts), { minLength, maxLength });
    }
    case 'object':
      return fc.record(
        Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([key, property]) => [key, validish(property, opts)]),
        ),
        { requiredKeys: schema.required ?? [] },
      );
    default:
      // Unrepresentable in JSON schema: in this app that is the Date of framework/shared/date-input.ts (numbers are refused).
      return fc.oneof(
        fc.integer({ min: 0, max: 4e12 }),
        fc
          .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
          .map((date) => date.toISOString()),
        ...(opts.superjson ? [fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })] : []),
      );
  }
}

/** Every place inside a value (objects and arrays), as paths. */
function placesOf(value: unknown): (string | number)[][] {
  const places: (string | number)[][] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    places.push(item.path);
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) => stack.push({ value: child, path: [...item.path, index] }));
    } else if (isObjectLike(item.value) && !(item.value instanceof Date)) {
      for (const [key, child] of Object.entries(item.value))
        stack.push({ value: child, path: [...item.path, key] });
    }
  }
  return places;
}

/** `value` with the place at `path` replaced (or, with `remove`, deleted); `path` [] replaces the whole value. */
function replaceAt(
  value: unknown,
  path: (string | number)[],
  replacement: unknown,
  remove: boolean,
): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let container = copy;
  for (const key of path.slice(0, -1)) container = container[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove && !Array.isArray(container)) delete container[last];
  else if (typeof last === 'string') defineField(container, last, replacement);
  else container[last] = replacement;
  return copy;
}

/** A value the schema describes, with one place replaced by a hostile value or removed. */
export function corrupted(schema: JsonSchema, opts: Options): fc.Arbitrary<unknown> {
  return fc
    .tuple(validish(schema, opts), fc.nat(), hostileValue(opts), fc.boolean())
    .map(([value, pick, replacement, remove]) => {
      const places = placesOf(value);
      const path = places[pick % places.length] ?? [];
      return replaceAt(value, path, replacement, remove && path.length > 0);
    });
}
