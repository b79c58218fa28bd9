/**
 * Issue 12 item 7 (CSRF): a cookie-authenticated request that changes state is refused (403, nothing written) when
 * another site sends it, on every endpoint that changes state — tRPC, the copilot chat, the CSV import, MCP — and
 * each endpoint takes only the content type it parses (415 otherwise). The app's own origin (also behind a proxy,
 * and any origin in TRUSTED_ORIGINS) works, and so do API tokens from anywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '@/server/auth/api-tokens';
import type { ContextDeps } from '@/server/context';
import { handleChat } from '@/server/copilot/chat-handler';
import { foreignOriginReason } from '@/server/http/request-guards';
import { importTodosFromRequest } from '@/server/http/todos-csv';
import { createTrpcHandler } from '@/server/http/trpc';
import { handleMcp } from '@/server/mcp/mcp-handler';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, sessionCookie, TEST_SECRET, userMessage } from './helpers/chat';
import { fingerprint } from './helpers/fuzz-db';
import { createTestRuntime } from './helpers/test-database';

const APP = 'http://app.test';
const EVIL = 'http://evil.example';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;
let deps: ContextDeps;
let trpc: (request: Request) => Promise<Response>;

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['Hello'] });
  runtime = await createTestRuntime();
  deps = { runtime, sessionSecret: TEST_SECRET, trustedOrigins: ['https://www.app.test'] };
  trpc = createTrpcHandler(async () => deps);
});
afterAll(async () => {
  await runtime?.close();
  await model?.close();
});

/** A user who already exists (so that a refused request cannot be blamed for creating it) and their cookie. */
async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { id: user.id, cookie: await sessionCookie(runtime, user.id) };
}

/** Runs `request` and checks that no table changed at all. */
async function expectNothingWritten(request: () => Promise<Response>): Promise<Response> {
  const before = await fingerprint(runtime.db);
  const response = await request();
  expect(await fingerprint(runtime.db)).toEqual(before);
  return response;
}

function addTodoBody(text: string) {
  const args = { id: crypto.randomUUID(), text, position: 1, createdAt: new Date() };
  return JSON.stringify(superjson.serialize({ args }));
}

function trpcPost(headers: Record<string, string>, body: string, url = `${APP}/api/trpc/mutators.addTodo`) {
  return trpc(new Request(url, { method: 'POST', headers, body }));
}

describe('issue 12 item 7: tRPC refuses other sites and non-JSON bodies', () => {
  it('item 7: a foreign Origin with a valid cookie gets 403 and nothing is written', async () => {
    const { cookie } = await newUser();
    for (const origin of [EVIL, 'null', 'http://app.test.evil.example', 'https://app.test']) {
      const response = await expectNothingWritten(() =>
        trpcPost({ cookie, origin, 'content-type': 'application/json' }, addTodoBody('csrf')),
      );
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { json: { message: string } } };
      expect(body.error.json.message).toContain(`Origin ${origin} is not this app's origin`);
    }
  });

  it('item 7: without Origin, Sec-Fetch-Site: cross-site gets 403', async () => {
    const { cookie } = await newUser();
    const response = await expectNothingWritten(() =>
      trpcPost(
        { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
        addTodoBody('csrf'),
      ),
    );
    expect(response.status).toBe(403);
  });

  it('item 7: a cross-site GET (query or subscription) gets 403 too', async () => {
    const { cookie } = await newUser();
    for (const headers of [{ origin: EVIL }, { 'sec-fetch-site': 'cross-site' }] as Record<
      string,
      string
    >[]) {
      const query = await trpc(
        new Request(`${APP}/api/trpc/todos.list`, { headers: { cookie, ...headers } }),
      );
      expect(query.status).toBe(403);
    }
  });

  it('item 7: text/plain, form posts and no content type get 415', async () => {
    const { cookie } = await newUser();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]) {
      const headers: Record<string, string> = {
        cookie,
        origin: APP,
        ...(type ? { 'content-type': type } : {}),
      };
      const response = await expectNothingWritten(() => trpcPost(headers, addTodoBody('wrong type')));
      expect(response.status).toBe(415);
    }
  });

  it('item 7: the same origin works, also behind a proxy and from a trusted origin', async () => {
    const { cookie } = await newUser();
    const json = { cookie, 'content-type': 'application/json; charset=utf-8' };
    expect((await trpcPost({ ...json, origin: APP }, addTodoBody('same origin'))).status).toBe(200);
    // No Origin (an older browser, a script with the cookie) is not a browser's cross-site request.
    expect((await trpcPost(json, addTodoBody('no origin'))).status).toBe(200);
    expect(
      (await trpcPost({ ...json, 'sec-fetch-site': 'same-origin' }, addTodoBody('fetch metadata'))).status,
    ).toBe(200);
    // Behind a proxy: the app listens on an internal address; the browser saw the public one.
    const proxied = await trpcPost(
      {
        ...json,
        origin: 'https://todos.example.com',
        host: '10.0.0.5:3000',
        'x-forwarded-host': 'todos.example.com',
        'x-forwarded-proto': 'https',
      },
      addTodoBody('behind a proxy'),
      'http://10.0.0.5:3000/api/trpc/mutators.addTodo',
    );
    expect(proxied.status).toBe(200);
    expect((await trpcPost({ ...json, origin: 'https://www.app.test' }, addTodoBody('trusted'))).status).toBe(
      200,
    );
  });

  it('item 7: an API token works from any origin (it is no ambient credential)', async () => {
    const user = await newUser();
    const { token } = await createApiToken(runtime.db, user.id, 'csrf test');
    const response = await trpcPost(
      { authorization: `Bearer ${token}`, origin: EVIL, 'content-type': 'application/json' },
      addTodoBody('with a token'),
    );
    expect(response.status).toBe(200);
  });
});

describe('issue 12 item 7: the copilot chat refuses other sites and non-JSON bodies', () => {
  function chat(headers: Record<string, string>, body: unknown) {
    return handleChat(
      new Request(`${APP}/api/chat`, { method: 'POST', headers, body: JSON.stringify(body) }),
      chatDeps(runtime, model.baseUrl, { contextDeps: deps }),
    );
  }
  function scriptAddTodo(text: string) {
    const token = `csrf-${crypto.randomUUID()}`;
    model.script(token, [
      { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text } }] },
      { kind: 'text', chunks: ['Added.'] },
    ]);
    return { token, body: { messages: [userMessage(token)], url: `${APP}/` } };
  }

  it('item 7: a foreign Origin (body sent as text/plain, as a form can) gets 403 and runs no tool', async () => {
    const { cookie } = await newUser();
    const { token, body } = scriptAddTodo('Planted by evil.example');
    for (const type of ['text/plain', 'application/json']) {
      const response = await expectNothingWritten(() =>
        chat({ cookie, origin: EVIL, 'content-type': type }, body),
      );
      expect(response.status).toBe(403);
    }
    expect(model.requests(token)).toHaveLength(0);
  });

  it('item 7: text/plain from the app itself gets 415', async () => {
    const { cookie } = await newUser();
    const { token, body } = scriptAddTodo('Sent as text');
    const response = await expectNothingWritten(() =>
      chat({ cookie, origin: APP, 'content-type': 'text/plain;charset=UTF-8' }, body),
    );
    expect(response.status).toBe(415);
    expect(model.requests(token)).toHaveLength(0);
  });

  it('item 7: the same origin works (the tool runs)', async () => {
    const { cookie } = await newUser();
    const { token, body } = scriptAddTodo('Added from the app');
    const response = await chat({ cookie, origin: APP, 'content-type': 'application/json' }, body);
    expect(response.status).toBe(200);
    await response.text();
    expect(model.requests(token).length).toBeGreaterThan(0);
  });
});

describe('issue 12 item 7: the CSV import refuses other sites and other content types', () => {
  function upload(headers: Record<string, string>, body: BodyInit) {
    return importTodosFromRequest(
      new Request(`${APP}/api/todos/import`, { method: 'POST', headers, body }),
      deps,
    );
  }
  const csv = 'text,completed\nImported row,false\n';

  it('item 7: a foreign Origin gets 403 (text/csv, form-encoded, multipart) and imports nothing', async () => {
    const { cookie } = await newUser();
    const form = new FormData();
    form.append('file', new File([csv], 'todos.csv', { type: 'text/csv' }));
    for (const [type, body] of [
      ['text/csv', csv],
      ['text/plain', csv],
      ['application/x-www-form-urlencoded', 'text=Imported+row'],
    ] as const) {
      const response = await expectNothingWritten(() =>
        upload({ cookie, origin: EVIL, 'content-type': type }, body),
      );
      expect(response.status).toBe(403);
      expect(response.headers.get('connection')).toBe('close');
    }
    const multipart = await expectNothingWritten(() =>
      importTodosFromRequest(
        new Request(`${APP}/api/todos/import`, {
          method: 'POST',
          headers: { cookie, origin: EVIL },
          body: form,
        }),
        deps,
      ),
    );
    expect(multipart.status).toBe(403);
  });

  it('item 7: text/plain and form-encoded bodies from the app itself get 415', async () => {
    const { cookie } = await newUser();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json']) {
      const response = await expectNothingWritten(() =>
        upload({ cookie, origin: APP, 'content-type': type }, csv),
      );
      expect(response.status).toBe(415);
      expect((await response.json()) as object).toEqual({
        error: expect.stringContaining('send text/csv or multipart/form-data'),
      });
    }
  });

  it('item 7: the same origin works (text/csv and a multipart file), and so does an API token', async () => {
    const user = await newUser();
    const plain = await upload({ cookie: user.cookie, origin: APP, 'content-type': 'text/csv' }, csv);
    expect(plain.status).toBe(200);
    const form = new FormData();
    form.append('note', 'a field before the file');
    form.append('file', new File([csv], 'todos.csv', { type: 'text/csv' }));
    const multipart = await importTodosFromRequest(
      new Request(`${APP}/api/todos/import`, {
        method: 'POST',
        headers: { cookie: user.cookie, origin: APP },
        body: form,
      }),
      deps,
    );
    expect(multipart.status).toBe(200);
    const { token } = await createApiToken(runtime.db, user.id, 'import');
    const scripted = await upload({ authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, csv);
    expect(scripted.status).toBe(200);
  });
});

describe('issue 12 item 7: MCP refuses a cookie from another site', () => {
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'csrf-test', version: '1' },
    },
  };
  function mcp(headers: Record<string, string>) {
    return handleMcp(
      new Request(`${APP}/api/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(initialize),
      }),
      deps,
    );
  }

  it('item 7: a cookie from a foreign Origin gets 403; an API token from anywhere works', async () => {
    const user = await newUser();
    expect((await expectNothingWritten(() => mcp({ cookie: user.cookie, origin: EVIL }))).status).toBe(403);
    const { token } = await createApiToken(runtime.db, user.id, 'mcp');
    expect((await mcp({ authorization: `Bearer ${token}`, origin: EVIL })).status).toBe(200);
  });
});

describe('issue 12 item 7: what counts as the request’s own origin', () => {
  const reason = (url: string, headers: Record<string, string>, trusted: string[] = []) =>
    foreignOriginReason(new Request(url, { method: 'POST', headers }), trusted);

  it('item 7: matches scheme, host and port exactly', () => {
    expect(reason('http://app.test/x', { origin: 'http://app.test' })).toBeNull();
    expect(reason('http://app.test:8080/x', { origin: 'http://app.test:8080' })).toBeNull();
    expect(reason('http://app.test/x', { origin: 'http://app.test:8080' })).not.toBeNull();
    expect(reason('http://app.test/x', { origin: 'https://app.test' })).not.toBeNull();
    expect(reason('http://app.test/x', { origin: 'http://APP.test.evil' })).not.toBeNull();
  });

  it('item 7: the Host header and X-Forwarded-Host/-Proto count; a listed trusted origin counts', () => {
    expect(
      reason('http://127.0.0.1:3000/x', { host: 'localhost:3000', origin: 'http://localhost:3000' }),
    ).toBeNull();
    expect(
      reason('http://127.0.0.1:3000/x', {
        'x-forwarded-host': 'a.example, proxy.internal',
        'x-forwarded-proto': 'https,http',
        origin: 'https://a.example',
      }),
    ).toBeNull();
    expect(reason('http://app.test/x', { origin: 'https://b.example' }, ['https://b.example'])).toBeNull();
    expect(
      reason('http://app.test/x', { origin: 'https://c.example' }, ['https://b.example']),
    ).not.toBeNull();
  });

  it('item 7: Sec-Fetch-Site same-site and none pass without an Origin; an Authorization header always passes', () => {
    expect(reason('http://app.test/x', { 'sec-fetch-site': 'same-site' })).toBeNull();
    expect(reason('http://app.test/x', { 'sec-fetch-site': 'none' })).toBeNull();
    expect(reason('http://app.test/x', { authorization: 'Bearer x', origin: EVIL })).toBeNull();
  });
});

describe('issue 12 item 7: no route under app/api changes state unchecked', () => {
  /** Handlers that run refuseForeignOrigin before anything else (each tested above). */
  const GUARDED = new Set([
    'handleTrpcRequest',
    'handleChatRequest',
    'handleTodosImport',
    'handleMcpRequest',
    // DELETE /api/chat/<thread>/stream (Stop): tests/copilot-resume.test.ts refuses a foreign one.
    'handleAnswerStreamRequest',
  ]);

  it('item 7: every POST, PUT, PATCH or DELETE route delegates to a guarded handler', () => {
    const routes = fs
      .readdirSync(path.join(import.meta.dirname, '../app/api'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('route.ts'));
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const route of routes) {
      const source = fs.readFileSync(path.join(import.meta.dirname, '../app/api', route), 'utf8');
      for (const [, handler, method] of source.matchAll(/(\w+) as (POST|PUT|PATCH|DELETE)\b/g)) {
        expect(GUARDED.has(handler ?? ''), `${route}: ${method} → ${handler}`).toBe(true);
      }
      // A handler exported under its own method name would escape the check above: none is.
      expect(source, route).not.toMatch(/export (async )?function (POST|PUT|PATCH|DELETE)\b/);
    }
  });
});
