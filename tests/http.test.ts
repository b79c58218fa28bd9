/**
 * The tRPC endpoint over real HTTP semantics (the fetch adapter the route handler uses): status codes, the error
 * shape with zod issue paths, and session handling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { sql } from 'drizzle-orm';
import { mutators } from '@/mutators/registry';
import { createTrpcHandler } from '@/server/http/trpc';
import { newSession, SESSION_COOKIE } from './helpers/auth';
import { createTestRuntime } from './helpers/test-database';

const secret = 'test-secret-that-is-at-least-32-characters-long';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  runtime = await createTestRuntime();
  handle = createTrpcHandler(async () => ({ runtime, sessionSecret: secret }));
});
afterAll(() => runtime.close());

async function get(path: string, input: unknown, cookie?: string) {
  const query =
    input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const response = await handle(
    new Request(`http://test.local/api/trpc/${path}${query}`, { headers: cookie ? { cookie } : {} }),
  );
  return { status: response.status, body: (await response.json()) as { error?: { json: ErrorJson } } };
}

interface ErrorJson {
  message: string;
  data: { code: string; httpStatus: number; issues: { path: (string | number)[]; message: string }[] | null };
}

async function sessionCookie() {
  return (await newSession(runtime, secret)).cookie;
}

async function post(path: string, input: unknown, cookie?: string) {
  const response = await handle(
    new Request(`http://test.local/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(superjson.serialize(input)),
    }),
  );
  return { status: response.status, body: (await response.json()) as { error?: { json: ErrorJson } } };
}

async function tableCounts() {
  const result = await runtime.db.execute<{ name: string; n: number }>(sql`
    select 'todos' as name, count(*)::int as n from todos union all
    select 'sync_commits', count(*)::int from sync_commits union all
    select 'sync_changes', count(*)::int from sync_changes union all
    select 'client_mutations', count(*)::int from client_mutations union all
    select 'action_runs', count(*)::int from action_runs`);
  return result.rows;
}

/** The mutators with a procedure: internal ones have none (tests/internal-procedures.test.ts). */
const publicMutators = Object.entries(mutators)
  .filter(([, mutator]) => (mutator as { internal?: boolean }).internal !== true)
  .map(([name]) => name);

describe('generated mutator procedures', () => {
  it.each(publicMutators)(
    'mutators.%s answers bad input with 400 naming the field, and writes nothing',
    async (name) => {
      const cookie = await sessionCookie();
      await get('todos.list', undefined, cookie); // creates the user (and its seed rows) before counting
      const before = await tableCounts();

      const notAnObject = await post(`mutators.${name}`, { args: 42, clientId: 'c1', mutationId: 1 }, cookie);
      expect(notAnObject.status).toBe(400);
      expect(notAnObject.body.error?.json.data.issues?.[0]?.path).toEqual(['args']);

      const schema = mutators[name as keyof typeof mutators].input;
      if (!schema.safeParse({}).success) {
        const empty = await post(`mutators.${name}`, { args: {} }, cookie);
        expect(empty.status).toBe(400);
        const paths = empty.body.error?.json.data.issues?.map((issue) => issue.path) ?? [];
        expect(paths.length).toBeGreaterThan(0);
        for (const path of paths) expect(path).toEqual(['args', expect.any(String)]);
      }

      const badEnvelope = await post(`mutators.${name}`, { args: {}, clientId: 'c1', mutationId: 0 }, cookie);
      expect(badEnvelope.status).toBe(400);
      expect(badEnvelope.body.error?.json.data.issues?.[0]?.path).toEqual(['mutationId']);

      // The rejected call with a client id consumed mutation id 1 (recorded as failed), and nothing else.
      const after = await tableCounts();
      const delta = Object.fromEntries(after.map((row, i) => [row.name, row.n - (before[i]?.n ?? 0)]));
      expect(delta).toEqual({
        todos: 0,
        sync_commits: 1,
        sync_changes: 0,
        client_mutations: 1,
        action_runs: 0,
      });
    },
  );

  it('applies a valid mutation over HTTP', async () => {
    const cookie = await sessionCookie();
    const args = { id: crypto.randomUUID(), text: 'Over HTTP', position: 3, createdAt: new Date() };
    const { status } = await post('mutators.addTodo', { args, clientId: 'c2', mutationId: 1 }, cookie);
    expect(status).toBe(200);
    const list = await get('todos.list', undefined, cookie);
    expect(JSON.stringify(list.body)).toContain('Over HTTP');
  });
});

describe('tRPC over HTTP', () => {
  it('answers 200 with the data for a valid session', async () => {
    const { status, body } = await get('todos.list', undefined, await sessionCookie());
    expect(status).toBe(200);
    expect(body).toMatchObject({ result: { data: { json: expect.any(Array) } } });
  });

  it('answers bad input with 400 and the zod issues with their field paths', async () => {
    const { status, body } = await get('todos.byId', { id: 'not-a-uuid' }, await sessionCookie());
    expect(status).toBe(400);
    const error = body.error?.json;
    expect(error?.data.code).toBe('BAD_REQUEST');
    expect(error?.data.issues).toEqual([
      expect.objectContaining({ path: ['id'], message: expect.any(String) }),
    ]);
  });

  it('names the missing field when input is absent', async () => {
    const { status, body } = await get('todos.byId', {}, await sessionCookie());
    expect(status).toBe(400);
    expect(body.error?.json.data.issues?.map((issue) => issue.path)).toEqual([['id']]);
  });

  it('answers 401 without a session and with a forged one', async () => {
    expect((await get('todos.list', undefined)).status).toBe(401);
    const forged = `${SESSION_COOKIE}=${crypto.randomUUID()}.AAAA`;
    expect((await get('todos.list', undefined, forged)).status).toBe(401);
  });

  it('answers 404 for an unknown procedure, not 500', async () => {
    expect((await get('todos.nope', undefined, await sessionCookie())).status).toBe(404);
  });
});

describe('unexpected failures', () => {
  it('answer 500 with a generic message: the cause (here a closed database) stays in the server log', async () => {
    const broken = await createTestRuntime();
    await broken.close();
    const brokenHandle = createTrpcHandler(async () => ({ runtime: broken, sessionSecret: secret }));
    const response = await brokenHandle(
      new Request('http://test.local/api/trpc/todos.list', { headers: { cookie: await sessionCookie() } }),
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { json: ErrorJson } };
    expect(body.error.json.message).toBe('The server failed (see its log)');
  });
});
