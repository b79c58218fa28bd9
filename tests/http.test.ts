/**
 * The tRPC endpoint over real HTTP semantics (the fetch adapter the route handler uses): status codes, the error
 * shape with zod issue paths, and session handling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import superjson from 'superjson';
import { createTrpcHandler } from '@/server/http/trpc';
import { SESSION_COOKIE, signSession } from '@/server/session';
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
  return `${SESSION_COOKIE}=${await signSession({ userId: crypto.randomUUID() }, secret)}`;
}

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
