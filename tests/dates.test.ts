/**
 * Issue 12 item 14: every date in mutator and action input takes a Date (superjson) or an ISO 8601 date-time string
 * with a time zone (JSON), nothing else. `z.coerce.date()` took `null` (1970-01-01), numbers (milliseconds) and
 * arrays (`[1, 2]` → 2001-01-02) and wrote them. Each procedure with a date field is called over HTTP with the
 * fuzz inputs that used to get through: 400 naming the field, and no table changes.
 */
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import { dateInput } from '@/framework/shared/date-input';
import { createTrpcHandler } from '@/server/http/trpc';
import { ensureUser } from '@/framework/server/users';
import { sessionCookie, TEST_SECRET } from './helpers/chat';
import { fingerprint } from './helpers/fuzz-db';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let trpc: (request: Request) => Promise<Response>;
let cookie = '';

beforeAll(async () => {
  runtime = await createTestRuntime();
  trpc = createTrpcHandler(async () => ({ runtime, sessionSecret: TEST_SECRET }));
  cookie = await sessionCookie(runtime, (await ensureUser(runtime, crypto.randomUUID())).id);
});
afterAll(() => runtime?.close());

/** What lenient coercion turned into a date, and dates outside what the app stores. */
const BAD_DATES: [string, unknown][] = [
  ['null', null],
  ['zero', 0],
  ['milliseconds', 1_700_000_000_000],
  ['negative number', -1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['array [1, 2]', [1, 2]],
  ['empty array', []],
  ['true', true],
  ['false', false],
  ['empty string', ''],
  ['not a date', 'not a date'],
  ['digits', '1700000000000'],
  ['date without a time', '2026-01-02'],
  ['local time without a zone', '2026-01-02T03:04:05'],
  ['February 30', '2026-02-30T00:00:00Z'],
  ['object', {}],
  ['invalid Date', new Date(Number.NaN)],
  ['year 0', '0000-01-01T00:00:00Z'],
  ['year 10000 (string)', '+010000-01-01T00:00:00Z'],
  ['earliest JS Date', new Date(-8.64e15)],
  ['latest JS Date', new Date(8.64e15)],
];

/** Accepted dates, with the instant each one means. */
const GOOD_DATES: [string, unknown, string][] = [
  ['a Date', new Date('2026-01-02T03:04:05.678Z'), '2026-01-02T03:04:05.678Z'],
  ['ISO string in UTC', '2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.678Z'],
  ['ISO string with an offset', '2026-01-02T05:04:05+02:00', '2026-01-02T03:04:05.000Z'],
];

const id = () => crypto.randomUUID();

/** Every procedure with a date in its input: a valid input, and the field that holds the date. */
const PROCEDURES: { path: string; input: (date: unknown) => unknown; field: (string | number)[] }[] = [
  {
    path: 'mutators.addTodo',
    input: (d) => ({ args: { id: id(), text: 'x', position: 1, createdAt: d } }),
    field: ['args', 'createdAt'],
  },
  {
    path: 'mutators.setTodoText',
    input: (d) => ({ args: { id: id(), text: 'x', updatedAt: d } }),
    field: ['args', 'updatedAt'],
  },
  {
    path: 'mutators.setTodoCompleted',
    input: (d) => ({ args: { id: id(), completed: true, updatedAt: d } }),
    field: ['args', 'updatedAt'],
  },
  {
    path: 'mutators.moveTodo',
    input: (d) => ({ args: { id: id(), position: 2, updatedAt: d } }),
    field: ['args', 'updatedAt'],
  },
  {
    path: 'mutators.addGeneratedTodo',
    input: (d) => ({ args: { id: id(), prompt: 'p', position: 1, createdAt: d } }),
    field: ['args', 'createdAt'],
  },
  {
    path: 'actions.addTodos',
    input: (d) => ({ items: [{ id: id(), text: 'x', position: 1 }], createdAt: d }),
    field: ['createdAt'],
  },
  {
    path: 'actions.importTodos',
    input: (d) => ({ rows: [{ text: 'x', completed: false }], startPosition: 1, at: d }),
    field: ['at'],
  },
  {
    path: 'enqueue.importTodos',
    input: (d) => ({ rows: [{ text: 'x', completed: false }], startPosition: 1, at: d }),
    field: ['at'],
  },
  { path: 'actions.startFresh', input: (d) => ({ summaryId: id(), at: d }), field: ['at'] },
];

async function post(path: string, input: unknown) {
  const response = await trpc(
    new Request(`http://app.test/api/trpc/${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize(input)),
    }),
  );
  const body = (await response.json()) as {
    error?: { json: { data: { issues: { path: (string | number)[]; message: string }[] | null } } };
  };
  return { status: response.status, issues: body.error?.json.data.issues ?? null };
}

describe('issue 12 item 14: dates are ISO strings or Dates, nothing else', () => {
  it.each(PROCEDURES)(
    'item 14: $path refuses every lenient date with 400 naming the field',
    async (procedure) => {
      for (const [name, value] of BAD_DATES) {
        const before = await fingerprint(runtime.db);
        const { status, issues } = await post(procedure.path, procedure.input(value));
        expect(status, name).toBe(400);
        expect(
          issues?.map((issue) => issue.path),
          name,
        ).toEqual([procedure.field]);
        expect(issues?.[0]?.message, name).toMatch(/must be a date/);
        expect(await fingerprint(runtime.db), name).toEqual(before);
      }
    },
  );

  it('item 14: a Date and an ISO string with a zone are accepted, and stored as that instant', async () => {
    for (const [name, value, instant] of GOOD_DATES) {
      const todoId = id();
      const { status } = await post('mutators.addTodo', {
        args: { id: todoId, text: name, position: 1, createdAt: value },
      });
      expect(status, name).toBe(200);
      const [stored] = await runtime.db.select().from(todos).where(eq(todos.id, todoId));
      expect(stored?.createdAt.toISOString(), name).toBe(instant);
    }
  });

  it('item 14: the schema itself, for the client store (it validates before its optimistic run)', () => {
    for (const [name, value] of BAD_DATES) expect(dateInput.safeParse(value).success, name).toBe(false);
    for (const [name, value] of GOOD_DATES) expect(dateInput.safeParse(value).success, name).toBe(true);
  });
});
