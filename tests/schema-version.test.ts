/**
 * The schema-version check over HTTP (the route's fetch handler): a page built for another version is refused with
 * the documented error (412 PRECONDITION_FAILED, `data.schemaVersion: { client, server }`), nothing is written and
 * the mutation id stays free; the feed refuses it too; a call without a version (a script) is not checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { sql } from 'drizzle-orm';
import { schemaVersion } from '@/mutators/schema-version';
import { createTrpcHandler } from '@/server/http/trpc';
import { newSession } from './helpers/auth';
import { readSse } from './helpers/sse-reader';
import { createTestRuntime } from './helpers/test-database';

const secret = 'test-secret-that-is-at-least-32-characters-long';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  runtime = await createTestRuntime();
  handle = createTrpcHandler(async () => ({ runtime, sessionSecret: secret }));
});
afterAll(() => runtime.close());

interface ErrorJson {
  message: string;
  data: {
    code: string;
    httpStatus: number;
    schemaVersion: { client: number; server: number } | null;
    mutation: { consumed: boolean; expectedMutationId: number | null } | null;
    issues: { path: (string | number)[]; message: string }[] | null;
  };
}

async function sessionCookie() {
  return (await newSession(runtime, secret)).cookie;
}

async function post(path: string, input: unknown, cookie: string) {
  const response = await handle(
    new Request(`http://test.local/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(superjson.serialize(input)),
    }),
  );
  const body = (await response.json()) as { error?: { json: ErrorJson }; result?: unknown };
  return { status: response.status, error: body.error?.json ?? null };
}

async function counts() {
  const result = await runtime.db.execute<{ name: string; n: number }>(sql`
    select 'todos' as name, count(*)::int as n from todos union all
    select 'sync_commits', count(*)::int from sync_commits union all
    select 'client_mutations', count(*)::int from client_mutations`);
  return result.rows;
}

const newTodo = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });

async function todoCount(text: string) {
  const result = await runtime.db.execute<{ n: number }>(
    sql`select count(*)::int as n from todos where text = ${text}`,
  );
  return result.rows[0]?.n;
}

describe('mutations from a page of another schema version', () => {
  it.each([
    ['an older', schemaVersion - 1],
    ['a newer', schemaVersion + 1],
  ])(
    '%s page: refused with 412 and data.schemaVersion, writes nothing and keeps its id free',
    async (_, client) => {
      const cookie = await sessionCookie();
      // The user (and its welcome rows) exists before counting.
      await post('mutators.addTodo', { args: newTodo('first'), clientId: 'tab-a', mutationId: 1 }, cookie);
      const before = await counts();

      const args = newTodo(`from version ${client}`);
      const refused = await post(
        'mutators.addTodo',
        { args, clientId: 'tab-a', mutationId: 2, schemaVersion: client },
        cookie,
      );
      expect(refused.status).toBe(412);
      expect(refused.error?.data.code).toBe('PRECONDITION_FAILED');
      expect(refused.error?.data.schemaVersion).toEqual({ client, server: schemaVersion });
      expect(refused.error?.data.mutation).toEqual({ consumed: false, expectedMutationId: null });
      expect(refused.error?.message).toMatch(/reload/i);
      expect(await counts()).toEqual(before);

      // The same id, sent again by the reloaded page (current version): applied once, not a duplicate.
      const accepted = await post(
        'mutators.addTodo',
        { args, clientId: 'tab-a', mutationId: 2, schemaVersion },
        cookie,
      );
      expect(accepted.status).toBe(200);
      expect(await todoCount(args.text)).toBe(1);
    },
  );

  it('is checked before the mutator name: a mutator this server no longer has is still a version refusal', async () => {
    const cookie = await sessionCookie();
    const refused = await post(
      'mutators.addTodo',
      { args: { renamed: true }, clientId: 'tab-b', mutationId: 1, schemaVersion: schemaVersion + 1 },
      cookie,
    );
    expect(refused.status).toBe(412);
    expect(refused.error?.data.issues).toBeNull();
  });

  it('a version that is not a version is a 400 naming schemaVersion, and writes nothing', async () => {
    const cookie = await sessionCookie();
    await post('mutators.addTodo', { args: newTodo('first') }, cookie);
    const before = await counts();
    for (const bad of ['1', -1, 1.5, null]) {
      const refused = await post(
        'mutators.addTodo',
        { args: newTodo('bad version'), clientId: 'tab-c', mutationId: 1, schemaVersion: bad },
        cookie,
      );
      expect(refused.status).toBe(400);
      expect(refused.error?.message).toMatch(/^schemaVersion: /);
      expect(refused.error?.data.mutation?.consumed).toBe(false);
    }
    expect(await counts()).toEqual(before);
  });

  it('a call without a version (a script, the typed client) is not checked', async () => {
    const cookie = await sessionCookie();
    const args = newTodo('from a script');
    const accepted = await post('mutators.addTodo', { args, clientId: 'script', mutationId: 1 }, cookie);
    expect(accepted.status).toBe(200);
    expect(await todoCount(args.text)).toBe(1);
  });
});

describe('the feed for a page of another schema version', () => {
  async function subscribe(input: Record<string, unknown>, cookie: string) {
    const query = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
    const abort = new AbortController();
    const response = await handle(
      new Request(`http://test.local/api/trpc/sync.changes?input=${query}`, {
        headers: { cookie },
        signal: abort.signal,
      }),
    );
    if (!response.body) throw new Error('no body');
    return { stream: readSse(response.body), abort };
  }

  it('ends at once with a serialized PRECONDITION_FAILED carrying data.schemaVersion', async () => {
    const cookie = await sessionCookie();
    const { stream, abort } = await subscribe(
      { lastEventId: null, clientId: 'tab-d', schemaVersion: schemaVersion + 1 },
      cookie,
    );
    try {
      const event = await stream.waitFor((e) => e.event === 'serialized-error', 'the refusal', 5_000);
      const error = superjson.deserialize(JSON.parse(event.data) as never) as ErrorJson;
      expect(error.data.code).toBe('PRECONDITION_FAILED');
      expect(error.data.schemaVersion).toEqual({ client: schemaVersion + 1, server: schemaVersion });
      // Nothing of the user's data was sent before the refusal.
      expect(stream.events.filter((e) => e.event !== 'serialized-error' && e.id !== undefined)).toEqual([]);
    } finally {
      abort.abort();
    }
  });

  it('with the server’s version (or none) starts with the snapshot as before', async () => {
    const cookie = await sessionCookie();
    for (const input of [{ schemaVersion }, {}]) {
      const { stream, abort } = await subscribe({ lastEventId: null, ...input }, cookie);
      try {
        const first = await stream.waitFor((e) => e.id !== undefined, 'the reset', 5_000);
        expect(first.data).toContain('reset');
      } finally {
        abort.abort();
      }
    }
  });
});
