/**
 * The one schema for a point in time in mutator and action input: a Date (tRPC's superjson carries Dates as Dates)
 * or an ISO 8601 date-time string with a time zone (what a JSON body such as a tool call or an MCP request carries).
 * Not `z.coerce.date()`: that runs `new Date(value)` on anything, so `null` was stored as 1970-01-01, a number
 * counted milliseconds and `[1, 2]` became 2001-01-02. A string without a zone is refused too: whose local time
 * would it be?
 *
 * Written with `zod/mini` (isomorphic: the browser loads it with the mutators); `zod-setup.ts` gives its messages.
 */
import * as z from 'zod/mini';

/** The range an ISO date-time string can write (four-digit years); PostgreSQL stores all of it. */
const EARLIEST = new Date('0001-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');

const NOT_A_DATE =
  'must be a date: a Date, or an ISO 8601 date-time with a time zone such as 2026-01-02T03:04:05Z';
const OUT_OF_RANGE = 'must be a date between 0001-01-01 and 9999-12-31';

/** A valid date within years 1 to 9999, from a Date or an ISO 8601 date-time string with a zone. */
export const dateInput = z.pipe(
  z.union(
    [
      z.date(),
      z.pipe(
        z.iso.datetime({ offset: true }),
        z.transform((text: string) => new Date(text)),
      ),
    ],
    { error: NOT_A_DATE },
  ),
  z.date({ error: NOT_A_DATE }).check(z.gte(EARLIEST, OUT_OF_RANGE), z.lte(LATEST, OUT_OF_RANGE)),
);
