/**
 * Issue 14: accounts with Better Auth, over HTTP against the real route handlers (/api/auth/* and tRPC) and a test
 * runtime. Sign-up and sign-in give a session tRPC accepts; another site can neither sign in nor use a valid cookie
 * to change anything; a guest's rows follow it into the account in one transaction and its open feed moves with it;
 * a revoked (or signed-out) session is refused at once, and its open feed ends.
 */
import { and, eq, like } from 'drizzle-orm';
import { pgTable, uuid } from 'drizzle-orm/pg-core';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authRateLimits, authSessions, authUsers, todos } from '@/db/schema';
import { moveUserData, PEER_ADDRESS_HEADER } from '@/framework/server';
import { syncCommits, users } from '@/framework/server/schema';
import { authFor } from '@/server/auth/auth-instance';
import type { ContextDeps } from '@/server/context';
import { handleAuthRequestWith } from '@/server/http/auth';
import { createTrpcHandler } from '@/server/http/trpc';
import { createClient } from '@/client/create-client';
import { createTrpcTransport } from '@/framework/client/trpc-transport';
import { AppStore, readSnapshot } from './helpers/app-typed';
import { newSession, SESSION_COOKIE } from './helpers/auth';
import { eventually } from './helpers/sync';
import { TEST_SECRET } from './helpers/chat';
import { fingerprint } from './helpers/fuzz-db';
import { readSse } from './helpers/sse-reader';
import { createTestRuntime } from './helpers/test-database';

const APP = 'http://app.test';
const EVIL = 'http://evil.example';
const PASSWORD = 'correct horse battery';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let deps: ContextDeps;
let trpc: (request: Request) => Promise<Response>;

beforeAll(async () => {
  runtime = await createTestRuntime();
  deps = { runtime, sessionSecret: TEST_SECRET, credentialRecheckMs: 60_000 };
  trpc = createTrpcHandler(async () => deps);
});
afterAll(() => runtime?.close());

const auth = () => authFor(runtime, TEST_SECRET);

/** Each test's requests come from an address of their own (Better Auth's rate limits count per address). */
let address = '';
beforeEach(() => {
  address = `198.51.100.${(Number(address.split('.')[3] ?? 0) + 1) % 250}`;
});

/** POSTs JSON to /api/auth/<path>, from the app's own origin unless told otherwise. */
function authPost(path: string, body: unknown, options: { cookie?: string; origin?: string } = {}) {
  return handleAuthRequestWith(
    new Request(`${APP}/api/auth/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: options.origin ?? APP,
        [PEER_ADDRESS_HEADER]: address,
        ...(options.cookie ? { cookie: options.cookie } : {}),
      },
      body: JSON.stringify(body),
    }),
    auth(),
  );
}

/** The session cookie a response sets, as a Cookie header pair; undefined when it sets none. */
function sessionCookieOf(response: Response): string | undefined {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  return line?.split(';')[0];
}

const uniqueEmail = () => `user-${crypto.randomUUID()}@example.com`;

async function signUp(email: string, cookie?: string) {
  const response = await authPost('sign-up/email', { email, password: PASSWORD, name: 'Ada' }, { cookie });
  expect(response.status, await response.clone().text()).toBe(200);
  const session = sessionCookieOf(response);
  if (!session) throw new Error('sign-up set no session cookie');
  return { cookie: session, userId: ((await response.json()) as { user: { id: string } }).user.id };
}

function trpcGet(path: string, cookie: string, input?: unknown) {
  const query =
    input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  return trpc(new Request(`${APP}/api/trpc/${path}${query}`, { headers: { cookie } }));
}

function addTodo(cookie: string, text: string, origin = APP) {
  const args = { id: crypto.randomUUID(), text, position: 1, createdAt: new Date() };
  return trpc(
    new Request(`${APP}/api/trpc/mutators.addTodo`, {
      method: 'POST',
      headers: { cookie, origin, 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize({ args })),
    }),
  );
}

async function todoTexts(cookie: string): Promise<string[]> {
  const response = await trpcGet('todos.list', cookie);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { result: { data: unknown } };
  return (superjson.deserialize(body.result.data as never) as { text: string }[]).map((todo) => todo.text);
}

/** Opens the change feed with `cookie` and waits for its first message (the reset). */
async function openFeed(cookie: string) {
  const input = encodeURIComponent(JSON.stringify(superjson.serialize({ lastEventId: null })));
  const controller = new AbortController();
  const response = await trpc(
    new Request(`${APP}/api/trpc/sync.changes?input=${input}`, {
      headers: { cookie },
      signal: controller.signal,
    }),
  );
  expect(response.status).toBe(200);
  if (!response.body) throw new Error('the feed has no body');
  const feed = readSse(response.body);
  await feed.waitFor((event) => event.id !== undefined, 'the first reset');
  return { feed, close: () => controller.abort() };
}

describe('email + password', () => {
  it('sign-up then sign-in give sessions that todos.list accepts', async () => {
    const email = uniqueEmail();
    const { cookie, userId } = await signUp(email);
    expect(await todoTexts(cookie)).toEqual([]);
    // The framework's user row came with the account (it owns synced rows).
    expect(await runtime.db.select().from(users).where(eq(users.id, userId))).toHaveLength(1);

    const signIn = await authPost('sign-in/email', { email, password: PASSWORD });
    expect(signIn.status).toBe(200);
    const second = sessionCookieOf(signIn);
    expect(second).toBeDefined();
    expect(await addTodo(second ?? '', 'from the second session').then((r) => r.status)).toBe(200);
    expect(await todoTexts(cookie)).toEqual(['from the second session']);
  });

  it('refuses a wrong password with a clear error, and a password out of 8–128 characters', async () => {
    const email = uniqueEmail();
    await signUp(email);
    const wrong = await authPost('sign-in/email', { email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(sessionCookieOf(wrong)).toBeUndefined();
    expect(await wrong.json()).toMatchObject({ message: 'Invalid email or password' });

    for (const password of ['short', 'x'.repeat(129)]) {
      const before = await fingerprint(runtime.db);
      const refused = await authPost('sign-up/email', { email: uniqueEmail(), password, name: 'Bob' });
      expect(refused.status).toBe(400);
      expect((await refused.json()) as { message: string }).toMatchObject({
        message: /Password too (short|long)/,
      });
      expect(await fingerprint(runtime.db)).toEqual(before);
    }
  });
});

describe('the sign-in rate limit', () => {
  it('refuses the 11th sign-in a minute from one address (429), counted in the database', async () => {
    const email = uniqueEmail();
    await signUp(email);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await authPost('sign-in/email', { email, password: 'wrong password' })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Even the right password, until the window passes.
    expect((await authPost('sign-in/email', { email, password: PASSWORD })).status).toBe(429);
    const [row] = await runtime.db
      .select()
      .from(authRateLimits)
      .where(like(authRateLimits.key, `%${address}%sign-in%`));
    expect(row?.count).toBeGreaterThanOrEqual(10);
  });
});

describe('session reads', () => {
  it('are not rate limited: 150 in a burst from one address all answer 200', async () => {
    const { cookie } = await signUp(uniqueEmail());
    const statuses = [];
    for (let i = 0; i < 150; i++) {
      const read = await handleAuthRequestWith(
        new Request(`${APP}/api/auth/get-session`, { headers: { cookie, [PEER_ADDRESS_HEADER]: address } }),
        auth(),
      );
      statuses.push(read.status);
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});

describe('requests from other sites', () => {
  it('a foreign-Origin sign-in is refused and writes nothing', async () => {
    const email = uniqueEmail();
    await signUp(email);
    const before = await fingerprint(runtime.db);
    const response = await authPost('sign-in/email', { email, password: PASSWORD }, { origin: EVIL });
    expect(response.status).toBe(403);
    expect(sessionCookieOf(response)).toBeUndefined();
    expect(await fingerprint(runtime.db)).toEqual(before);
  });

  it('Better Auth refuses a foreign Origin by itself too (its trustedOrigins)', async () => {
    const email = uniqueEmail();
    await signUp(email);
    const response = await auth().handler(
      new Request(`${APP}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: EVIL, cookie: 'a=b' },
        body: JSON.stringify({ email, password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(403);
  });

  it('a foreign-Origin mutation with a valid session cookie is refused and writes nothing', async () => {
    const { cookie } = await signUp(uniqueEmail());
    const before = await fingerprint(runtime.db);
    const response = await addTodo(cookie, 'forged', EVIL);
    expect(response.status).toBe(403);
    expect(await fingerprint(runtime.db)).toEqual(before);
  });
});

describe('a guest signs up or signs in', () => {
  it('moves the guest’s rows to the new account, deletes the guest, and its open feed follows', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    expect((await addTodo(guest.cookie, 'made as a guest')).status).toBe(200);
    const guestTodos = await todoTexts(guest.cookie);
    expect(guestTodos).toContain('made as a guest');
    const { feed, close } = await openFeed(guest.cookie);
    try {
      const { cookie, userId } = await signUp(uniqueEmail(), guest.cookie);
      expect(userId).not.toBe(guest.userId);
      expect((await todoTexts(cookie)).toSorted()).toEqual(guestTodos.toSorted());
      expect(await runtime.db.select().from(todos).where(eq(todos.ownerId, guest.userId))).toEqual([]);
      expect(await runtime.db.select().from(users).where(eq(users.id, guest.userId))).toEqual([]);
      expect(await runtime.db.select().from(authUsers).where(eq(authUsers.id, guest.userId))).toEqual([]);
      // The guest's feed ends with the signal to subscribe again (its browser's cookie is the account's now).
      const end = await feed.waitFor((event) => event.event === 'serialized-error', 'the end of the feed');
      expect(JSON.parse(end.data)).toMatchObject({
        json: { data: { code: 'UNAUTHORIZED', sessionReplaced: true } },
      });
    } finally {
      close();
    }
  });

  it('signing in to an existing account merges a guest who changed something, not an untouched one', async () => {
    const email = uniqueEmail();
    const account = await signUp(email);
    expect((await addTodo(account.cookie, 'the account’s own')).status).toBe(200);

    const untouched = await newSession(runtime, TEST_SECRET);
    expect((await todoTexts(untouched.cookie)).length).toBeGreaterThan(0); // The welcome rows.
    const first = await authPost(
      'sign-in/email',
      { email, password: PASSWORD },
      { cookie: untouched.cookie },
    );
    expect(first.status).toBe(200);
    expect(await todoTexts(account.cookie)).toEqual(['the account’s own']);

    const busy = await newSession(runtime, TEST_SECRET);
    expect((await addTodo(busy.cookie, 'a guest’s work')).status).toBe(200);
    const second = await authPost('sign-in/email', { email, password: PASSWORD }, { cookie: busy.cookie });
    expect(second.status).toBe(200);
    const texts = await todoTexts(account.cookie);
    expect(texts).toContain('the account’s own');
    expect(texts).toContain('a guest’s work');
    expect(await runtime.db.select().from(users).where(eq(users.id, busy.userId))).toEqual([]);
  });

  it('moves nothing when any part of the move fails (one transaction)', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    expect((await addTodo(guest.cookie, 'stays put')).status).toBe(200);
    const { userId: target } = await signUp(uniqueEmail());
    // A table the database does not have: the move fails after the synced rows were already updated.
    const missing = pgTable('no_such_table', { userId: uuid('user_id') });
    const before = await fingerprint(runtime.db);
    await expect(
      moveUserData(runtime, guest.userId, target, { extra: [{ table: missing, column: missing.userId }] }),
    ).rejects.toThrow();
    expect(await fingerprint(runtime.db)).toEqual(before);
    expect(await todoTexts(guest.cookie)).toContain('stays put');
  });
});

describe('a tab typing while its guest signs up in another tab', () => {
  /** A tab's store over HTTP whose requests carry the browser's cookie as it is at the moment they leave. */
  async function tabOf(guest: { userId: string; cookie: string }) {
    const browser = { cookie: guest.cookie };
    const client = createClient({
      url: APP,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('cookie', browser.cookie);
        headers.set('origin', APP);
        return trpc(new Request(input, { ...init, headers }));
      },
    });
    const store = new AppStore({
      snapshot: await readSnapshot(runtime, guest.userId),
      transport: createTrpcTransport(client),
      retryDelayMs: 5,
    });
    return { browser, store };
  }
  const newTodo = (text: string) => ({ id: crypto.randomUUID(), text, position: 1, createdAt: new Date() });
  const ownersOf = async (id: string) =>
    (await runtime.db.select({ owner: todos.ownerId }).from(todos).where(eq(todos.id, id))).map(
      (row) => row.owner,
    );

  it('its change sent with the guest’s cookie is applied once, as the account, not rolled back', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    await todoTexts(guest.cookie);
    const { browser, store } = await tabOf(guest);
    const before = newTodo('typed as a guest');
    store.mutate('addTodo', before);
    await eventually(async () => (await ownersOf(before.id)).length === 1, 'the guest’s first todo');

    // Another tab signs up: the guest's rows and mutation ids are the account's now, the guest is gone. This tab's
    // next change leaves before the browser has the account's cookie (the sign-up's answer is on its way).
    const account = await signUp(uniqueEmail(), guest.cookie);
    const during = newTodo('typed during the sign-up');
    let refused: unknown = null;
    void store.mutate('addTodo', during).settled.then((result) => {
      if (!result.ok) refused = result.failure;
    });
    await eventually(
      () => store.sendState === 'retrying' || refused !== null,
      'the refusal of the guest’s cookie',
    );
    expect(refused).toBeNull();
    expect(await ownersOf(during.id)).toEqual([]);

    browser.cookie = account.cookie;
    await eventually(async () => (await ownersOf(during.id)).length > 0, 'the change applied as the account');
    expect(await ownersOf(during.id)).toEqual([account.userId]);
    expect(await ownersOf(before.id)).toEqual([account.userId]);
    // Sent twice, applied once: mutation 2 of this tab has one commit, the account's.
    const commits = await runtime.db
      .select({ userId: syncCommits.userId })
      .from(syncCommits)
      .where(and(eq(syncCommits.clientId, store.clientId), eq(syncCommits.mutationId, 2)));
    expect(commits).toEqual([{ userId: account.userId }]);
    expect(refused).toBeNull();
  });

  it('a session that is gone for good (the feed said signed-out) is refused at once, its change rolled back', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    await todoTexts(guest.cookie);
    const { store } = await tabOf(guest);
    expect((await authPost('sign-out', {}, { cookie: guest.cookie })).status).toBe(200);
    store.setConnectionState('signed-out');
    const todo = newTodo('typed after the sign-out');
    const result = await store.mutate('addTodo', todo).settled;
    expect(result).toMatchObject({ ok: false, failure: { code: 'UNAUTHORIZED' } });
    expect(store.rows('todos').some((row) => row.id === todo.id)).toBe(false);
    expect(await ownersOf(todo.id)).toEqual([]);
  });
});

describe('a session read answered after its guest signed in', () => {
  it('does not expire the session cookie (which by then is the account’s), and reports no session', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    await signUp(uniqueEmail(), guest.cookie);
    // The page's session hook sent this with the guest's cookie before the sign-up's answer arrived.
    const read = await handleAuthRequestWith(
      new Request(`${APP}/api/auth/get-session`, {
        headers: { cookie: guest.cookie, [PEER_ADDRESS_HEADER]: address },
      }),
      auth(),
    );
    expect(read.status).toBe(200);
    expect(await read.json()).toBeNull();
    expect(read.headers.getSetCookie().filter((line) => /max-age=0/i.test(line))).toEqual([]);
  });
});

describe('revoked sessions', () => {
  it('a revoked session is refused at once, and its open feed ends', async () => {
    const email = uniqueEmail();
    const { cookie } = await signUp(email);
    const other = sessionCookieOf(await authPost('sign-in/email', { email, password: PASSWORD })) ?? '';
    const { feed, close } = await openFeed(other);
    try {
      const [row] = await runtime.db
        .select({ token: authSessions.token })
        .from(authSessions)
        .where(eq(authSessions.token, decodeURIComponent(other.split('=')[1] ?? '').split('.')[0] ?? ''));
      expect(row).toBeDefined();
      const revoked = await authPost('revoke-session', { token: row?.token }, { cookie });
      expect(revoked.status).toBe(200);
      expect((await trpcGet('todos.list', other)).status).toBe(401);
      expect((await trpcGet('todos.list', cookie)).status).toBe(200);
      const end = await feed.waitFor((event) => event.event === 'serialized-error', 'the end of the feed');
      expect(JSON.parse(end.data)).toMatchObject({
        json: { data: { code: 'UNAUTHORIZED', sessionReplaced: false } },
      });
    } finally {
      close();
    }
  });

  it('sign-out ends the session', async () => {
    const { cookie } = await signUp(uniqueEmail());
    expect((await authPost('sign-out', {}, { cookie })).status).toBe(200);
    expect((await trpcGet('todos.list', cookie)).status).toBe(401);
  });
});
