/**
 * Issue 12 item 9: limits shared by every process, in the database. New anonymous visitors are limited per client
 * address (proxy.ts: 429 with Retry-After, no cookie, so no user and no todos); every model call takes a point of the
 * user's one budget, whichever procedure makes it (actions marked `callsModel` — called or enqueued, by any path —
 * streams.draftTodo, the copilot). Over it: TOO_MANY_REQUESTS / 429 with Retry-After, and the model is not called.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { count, eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/framework/server/db/open';
import { todos } from '@/db/schema';
import { actionRuns, users } from '@/framework/server/schema';
import { actions, type ActionName } from '@/server/actions/registry';
import { createInnerContext } from '@/server/context';
import { handleChat } from '@/server/copilot/chat-handler';
import { parseEnv } from '@/server/env';
import type * as Instance from '@/server/instance';
import { createTrpcHandler } from '@/server/http/trpc';
import { addressKey, clientAddress, PEER_ADDRESS_HEADER } from '@/framework/server/limits/client-address';
import { takeModelCall } from '@/framework/server/limits/model-calls';
import { installPeerAddressStamp } from '@/framework/server/limits/peer-address-stamp';
import type { LimitPolicies } from '@/framework/server/limits/policies';
import { createCaller } from '@/server/routers/_app';
import { callAction } from '@/framework/server/runtime/action-executor';
import { startActionQueue } from '@/framework/server/runtime/action-queue';
import { type Runtime } from '@/framework/server/runtime/runtime';
import { SESSION_COOKIE } from './helpers/auth';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, readChat, sessionCookie, userMessage, TEST_SECRET } from './helpers/chat';
import { eventually } from './helpers/sync';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';
import { syncServer } from '@/server/sync';

const limits = vi.hoisted(() => ({ runtime: null as Runtime | null }));
// proxy.ts asks the process runtime; here that is this file's.
vi.mock('@/server/instance', async (importOriginal) => ({
  ...(await importOriginal<typeof Instance>()),
  getRuntime: () =>
    limits.runtime ? Promise.resolve(limits.runtime) : Promise.reject(new Error('no runtime')),
}));

let database: TestDatabase;
let model: ModelServer;
const runtimes: Runtime[] = [];

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['A ', 'todo'] });
  // Read by server/env.ts on first use, which is after this.
  process.env.OPENAI_COMPATIBLE_BASE_URL = model.baseUrl;
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const runtime of runtimes) {
    runtime.feed.close();
    await runtime.pokes.close();
  }
  await database.close();
  await model.close();
});

/** A runtime over the file's database with its own limits (they are read from the runtime, as in the app). */
async function runtimeWith(policies: Partial<LimitPolicies>): Promise<Runtime> {
  const runtime = await syncServer.createRuntime(database, { limits: policies });
  runtimes.push(runtime);
  return runtime;
}

const rowCount = async (runtime: Runtime, table: typeof users | typeof todos | typeof actionRuns) =>
  (await runtime.db.select({ n: count() }).from(table))[0]?.n ?? 0;

async function newUser(runtime: Runtime) {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { user, caller: createCaller(createInnerContext({ runtime, user })) };
}

const modelRequests = () => model.requests().length;

describe('issue 12 item 9: new anonymous visitors are limited per client address', () => {
  /** A visit through the real proxy: a new visitor gets a guest (user, welcome rows, session cookie) at once. */
  async function visit(headers: Record<string, string>) {
    const { proxy } = await import('@/proxy');
    const response = await proxy(new NextRequest('http://app.test/', { headers }));
    const cookie = /starter\.session_token=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    return { response, cookie };
  }

  it('item 9: over the limit from one address, a new visitor gets 429 with Retry-After, no cookie, no user, no todos', async () => {
    const runtime = await runtimeWith({ newVisitors: { points: 3, durationSeconds: 3_600 } });
    limits.runtime = runtime;
    const usersBefore = await rowCount(runtime, users);
    const todosBefore = await rowCount(runtime, todos);
    const headers = { [PEER_ADDRESS_HEADER]: '203.0.113.7', accept: 'text/html' };

    const admitted = [await visit(headers), await visit(headers), await visit(headers)];
    for (const { response, cookie } of admitted) {
      expect(response.status).toBe(200);
      expect(cookie).toBeTruthy();
    }
    const perUser = ((await rowCount(runtime, todos)) - todosBefore) / 3;
    expect(perUser).toBeGreaterThan(0);

    for (let i = 0; i < 5; i++) {
      // A forged X-Forwarded-For changes nothing: with no trusted proxy, the connection's address counts.
      const { response, cookie } = await visit({ ...headers, 'x-forwarded-for': `198.51.100.${i}` });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(cookie).toBeUndefined();
      expect(await response.text()).toMatch(/Too many new visitors from your network: try again in/);
    }
    expect((await rowCount(runtime, users)) - usersBefore).toBe(3);
    expect((await rowCount(runtime, todos)) - todosBefore).toBe(3 * perUser);

    // Another address is not affected; a visitor with a valid session is never counted.
    expect((await visit({ [PEER_ADDRESS_HEADER]: '203.0.113.8' })).response.status).toBe(200);
    const returning = await visit({
      [PEER_ADDRESS_HEADER]: '203.0.113.7',
      cookie: `${SESSION_COOKIE}=${admitted[0]?.cookie ?? ''}`,
    });
    expect(returning.response.status).toBe(200);
    // An API caller (not a page) gets the same refusal as JSON.
    const api = await visit({ [PEER_ADDRESS_HEADER]: '203.0.113.7', accept: 'application/json' });
    expect(api.response.status).toBe(429);
    expect(await api.response.json()).toMatchObject({ retryAfterSeconds: expect.any(Number) });
  });

  it('item 9: the limits come from the environment, with defaults; a bad value is refused by name', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      MODEL_RATE_LIMIT: 20,
      MODEL_RATE_WINDOW_SECONDS: 60,
      NEW_VISITOR_RATE_LIMIT: 20,
      NEW_VISITOR_WINDOW_SECONDS: 3_600,
      TRUSTED_PROXY_HOPS: 0,
      STREAM_TOKEN_RECHECK_MS: 5_000,
    });
    // The old name of the model limit still counts when the new one is unset.
    expect(parseEnv({ COPILOT_RATE_LIMIT: '7' }).MODEL_RATE_LIMIT).toBe(7);
    expect(parseEnv({ COPILOT_RATE_LIMIT: '7', MODEL_RATE_LIMIT: '9' }).MODEL_RATE_LIMIT).toBe(9);
    expect(() => parseEnv({ TRUSTED_PROXY_HOPS: '-1', NEW_VISITOR_RATE_LIMIT: '0' })).toThrow(
      /TRUSTED_PROXY_HOPS[\s\S]*NEW_VISITOR_RATE_LIMIT|NEW_VISITOR_RATE_LIMIT[\s\S]*TRUSTED_PROXY_HOPS/,
    );
  });

  it('item 9: the client address is the connection’s, X-Forwarded-For only for trusted proxy hops', () => {
    const headers = (peer: string | null, forwarded?: string) =>
      new Headers({
        ...(peer ? { [PEER_ADDRESS_HEADER]: peer } : {}),
        ...(forwarded ? { 'x-forwarded-for': forwarded } : {}),
      });
    expect(clientAddress(headers('10.0.0.1', '1.1.1.1'), 0)).toBe('10.0.0.1');
    expect(clientAddress(headers('10.0.0.1', '6.6.6.6, 1.1.1.1'), 1)).toBe('1.1.1.1');
    expect(clientAddress(headers('10.0.0.2', '6.6.6.6, 1.1.1.1, 10.0.0.1'), 2)).toBe('1.1.1.1');
    expect(clientAddress(headers('::ffff:192.0.2.1'), 0)).toBe('192.0.2.1');
    expect(clientAddress(headers(null, '1.1.1.1'), 1)).toBe('unknown');
    // One IPv6 subscriber holds a whole /64: rotating within it is the same address.
    expect(addressKey('2001:db8:1:2::1')).toBe(addressKey('2001:0db8:0001:0002:ffff:1:2:3'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });

  it('item 9: the server stamps each request with its connection’s address, over anything the client sent', async () => {
    installPeerAddressStamp();
    const server = http.createServer((request, response) => {
      response.end(String(request.headers[PEER_ADDRESS_HEADER]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { [PEER_ADDRESS_HEADER]: '1.2.3.4' },
      });
      expect(await response.text()).toBe('127.0.0.1');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.runIf(process.env.DATABASE_URL)(
    'item 9: two processes on one PostgreSQL database share one count per address',
    async () => {
      const policy = { newVisitors: { points: 4, durationSeconds: 3_600 } };
      const first = await runtimeWith(policy);
      const second = await syncServer.createRuntime(await openDatabase({ postgresUrl: database.url ?? '' }), {
        limits: policy,
      });
      try {
        const headers = { [PEER_ADDRESS_HEADER]: '192.0.2.44' };
        const statuses: number[] = [];
        for (const runtime of [first, second, first, second, first, second]) {
          limits.runtime = runtime;
          statuses.push((await visit(headers)).response.status);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      } finally {
        await second.close();
      }
    },
  );
});

/** A valid input for every action: a new action without one is a type error here, so it cannot go unchecked. */
const sampleInputs: Record<ActionName, () => unknown> = {
  summarizeTodos: () => ({}),
  listTodos: () => ({}),
  tidyUp: () => ({ delayMsPerTodo: 0 }),
  generateTodo: () => ({ todoId: crypto.randomUUID(), prompt: 'water the plants' }),
  addTodos: () => ({ items: [{ id: crypto.randomUUID(), text: 'one', position: 1 }], createdAt: new Date() }),
  startFresh: () => ({ summaryId: crypto.randomUUID(), at: new Date() }),
  importTodos: () => ({ rows: [{ text: 'imported', completed: false }], startPosition: 1, at: new Date() }),
  saveModelSettings: () => ({ model: null, systemPrompt: null }),
};

describe('issue 12 item 9: every model call takes a point of the user’s one budget, shared by all processes', () => {
  it('item 9: every action that reaches the model provider declares callsModel (and no other does)', async () => {
    const runtime = await runtimeWith({ modelCalls: { points: 1_000, durationSeconds: 60 } });
    for (const name of Object.keys(actions) as ActionName[]) {
      const { user } = await newUser(runtime);
      if (name === 'generateTodo') {
        // It writes into an existing todo of the user's.
        const input = sampleInputs.generateTodo() as { todoId: string; prompt: string };
        await createCaller(createInnerContext({ runtime, user })).mutators.addTodo({
          args: { id: input.todoId, text: 'placeholder', position: 1, createdAt: new Date() },
        });
        const before = modelRequests();
        await callAction(runtime, name, input, { userId: user.id, signal: new AbortController().signal });
        expect(modelRequests() > before, name).toBe(true);
        expect(actions[name].callsModel, `${name} reached the model without callsModel`).toBe(true);
        continue;
      }
      const before = modelRequests();
      await callAction(runtime, name, sampleInputs[name](), {
        userId: user.id,
        signal: new AbortController().signal,
      });
      expect(modelRequests() > before, `${name} reached the model without callsModel`).toBe(
        (actions[name] as { callsModel?: boolean }).callsModel === true,
      );
    }
  });

  const modelActions = (Object.keys(actions) as ActionName[]).filter(
    (name) => (actions[name] as { callsModel?: boolean }).callsModel,
  );

  const missingEnqueue = (name: string): never => {
    throw new Error(
      `enqueue.${name} does not exist: a model-calling action clients may not enqueue needs no case here`,
    );
  };

  const mutationIds = new Map<string, number>();
  const nextMutationId = (userId: string) => {
    const id = (mutationIds.get(userId) ?? 0) + 1;
    mutationIds.set(userId, id);
    return id;
  };

  /**
   * Each way to reach the model, as a call that must pass once and then be refused (points: 1). An internal action
   * has no procedure of its own: clients reach it only through a public mutator that enqueues it (below).
   */
  const publicModelActions = modelActions.filter((name) => actions[name].internal !== true);
  const surfaces: { name: string; call(runtime: Runtime, userId: string): Promise<unknown> }[] = [
    ...publicModelActions.flatMap((name) => [
      {
        name: `actions.${name}`,
        async call(runtime: Runtime, userId: string) {
          const caller = createCaller(
            createInnerContext({ runtime, user: { id: userId, kind: 'anonymous' } }),
          );
          const input = sampleInputs[name]() as { todoId: string };
          await caller.mutators.addTodo({
            args: { id: input.todoId, text: 'placeholder', position: 1, createdAt: new Date() },
          });
          const procedures = caller.actions as unknown as Record<
            string,
            (input: unknown) => Promise<unknown>
          >;
          return procedures[name]?.(input);
        },
      },
      {
        name: `enqueue.${name}`,
        call: (runtime: Runtime, userId: string) =>
          (
            (
              createCaller(createInnerContext({ runtime, user: { id: userId, kind: 'anonymous' } }))
                .enqueue as Record<string, (input: unknown) => Promise<unknown>>
            )[name] ?? missingEnqueue(name)
          )(sampleInputs[name]()),
      },
    ]),
    {
      name: 'mutators.addGeneratedTodo (enqueues generateTodo)',
      call: (runtime, userId) =>
        createCaller(
          createInnerContext({ runtime, user: { id: userId, kind: 'anonymous' } }),
        ).mutators.addGeneratedTodo({
          args: { id: crypto.randomUUID(), prompt: 'plants', position: 1, createdAt: new Date() },
          clientId: `tab-${userId}`,
          mutationId: nextMutationId(userId),
        }),
    },
    {
      name: 'streams.draftTodo',
      async call(runtime, userId) {
        const caller = createCaller(createInnerContext({ runtime, user: { id: userId, kind: 'anonymous' } }));
        const drafts = [];
        for await (const draft of await caller.streams.draftTodo({ prompt: 'bike' })) drafts.push(draft);
        return drafts;
      },
    },
    {
      name: 'POST /api/chat (the copilot)',
      async call(runtime, userId) {
        const deps = chatDeps(runtime, model.baseUrl, {
          rateLimiter: { take: (id) => takeModelCall(runtime, id) },
        });
        const body = { messages: [userMessage('hello')], url: 'http://app.test/', properties: {} };
        const response = await handleChat(chatRequest(body, await sessionCookie(runtime, userId)), deps);
        if (response.status === 429) {
          throw Object.assign(new Error(await response.text()), {
            code: 'TOO_MANY_REQUESTS',
            retryAfter: response.headers.get('retry-after'),
          });
        }
        expect(response.status).toBe(200);
        return readChat(response);
      },
    },
  ];

  it('item 9: every model-calling procedure is refused over the limit, before the model is called', async () => {
    expect(modelActions).toContain('generateTodo');
    const runtime = await runtimeWith({ modelCalls: { points: 1, durationSeconds: 600 } });
    for (const surface of surfaces) {
      const { user } = await newUser(runtime);
      await surface.call(runtime, user.id);
      const requestsBefore = modelRequests();
      const runsBefore = await rowCount(runtime, actionRuns);
      const error: unknown = await surface.call(runtime, user.id).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error, surface.name).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      expect((error as Error).message, surface.name).toMatch(/try again in \d+ s/);
      expect(modelRequests(), `${surface.name} called the model over the limit`).toBe(requestsBefore);
      expect(await rowCount(runtime, actionRuns), `${surface.name} enqueued a run over the limit`).toBe(
        runsBefore,
      );
    }
  });

  it('item 9: one budget per user across procedures; a queued run is counted at enqueue, not again when it runs', async () => {
    const runtime = await runtimeWith({ modelCalls: { points: 3, durationSeconds: 600 } });
    const queue = startActionQueue(runtime, { leaseMs: 5_000 });
    try {
      const { user, caller } = await newUser(runtime);
      const id = crypto.randomUUID();
      await caller.mutators.addGeneratedTodo({
        args: { id, prompt: 'plants', position: 1, createdAt: new Date() },
      });
      await eventually(async () => {
        const [todo] = await runtime.db.select().from(todos).where(eq(todos.id, id));
        return todo?.status === 'ready';
      }, 'the generated todo');
      for await (const draft of await caller.streams.draftTodo({ prompt: 'bike' })) void draft;
      await surfaces.find((surface) => surface.name.includes('copilot'))?.call(runtime, user.id);
      await expect(
        (async () => {
          for await (const draft of await caller.streams.draftTodo({ prompt: 'again' })) void draft;
        })(),
      ).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    } finally {
      await queue.stop();
    }
  });

  it('item 9: over HTTP the refusal is a 429 with Retry-After and the seconds in the error', async () => {
    const runtime = await runtimeWith({ modelCalls: { points: 1, durationSeconds: 600 } });
    const { user } = await newUser(runtime);
    const handler = createTrpcHandler(async () => ({ runtime, sessionSecret: TEST_SECRET }));
    const cookie = await sessionCookie(runtime, user.id);
    const send = async () => {
      const response = await handler(
        // addGeneratedTodo enqueues the (internal) generateTodo: the point is taken in the mutation's commit.
        new Request('http://app.test/api/trpc/mutators.addGeneratedTodo', {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({
            json: {
              args: {
                id: crypto.randomUUID(),
                prompt: 'plants',
                position: 1,
                createdAt: new Date().toISOString(),
              },
            },
          }),
        }),
      );
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.json(),
      };
    };
    expect((await send()).status).toBe(200);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({
      error: { json: { data: { code: 'TOO_MANY_REQUESTS', retryAfterSeconds: Number(refused.retryAfter) } } },
    });
  });

  it.runIf(process.env.DATABASE_URL)(
    'item 9: two processes on one PostgreSQL database share one model budget per user',
    async () => {
      const policy = { modelCalls: { points: 4, durationSeconds: 600 } };
      const first = await runtimeWith(policy);
      const second = await syncServer.createRuntime(await openDatabase({ postgresUrl: database.url ?? '' }), {
        limits: policy,
      });
      try {
        const { user } = await newUser(first);
        // Concurrent takes from both, as two busy processes would make them: exactly the limit passes.
        const decisions = await Promise.all(
          Array.from({ length: 10 }, (_, i) => takeModelCall(i % 2 ? second : first, user.id)),
        );
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(4);
        expect((await takeModelCall(first, user.id)).allowed).toBe(false);
        expect((await takeModelCall(second, user.id)).allowed).toBe(false);
      } finally {
        await second.close();
      }
    },
  );
});
