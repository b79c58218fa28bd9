/**
 * The one order of each synced table's rows: `list()` in the browser sorts with {@link compareRows}, the server
 * orders by the same keys in SQL (framework/server/runtime/synced-table.ts), so a mutator that walks `list()` sees the same sequence
 * on both sides.
 *
 * Keys must compare the same in JavaScript and in PostgreSQL: numbers, booleans, timestamps (compared to the
 * millisecond, all a JavaScript Date holds; the server truncates to it too) and UUIDs (PostgreSQL compares their
 * bytes, which is the order of their lowercase hex text). Never a text column: PostgreSQL sorts text by the
 * database's collation, which JavaScript does not know. The last key must be unique (the id) to break every tie.
 */
/** Compares two rows by the keys of their table's order (its `SyncDeclaration.order`): negative, zero or positive. */
export function compareRows(order: readonly string[], a: object, b: object): number {
  for (const key of order) {
    const order = compareValues((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]);
    if (order !== 0) return order;
  }
  return 0;
}

function compareValues(a: unknown, b: unknown): number {
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  // UUIDs: by code unit of the lowercase text, as PostgreSQL by byte (not localeCompare, which follows a locale).
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  // NULL sorts last in PostgreSQL's ascending order.
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  throw new Error(`cannot order values of type ${typeof a} and ${typeof b}`);
}
