/**
 * proxy.ts and Better Auth: a first visit gets a guest at once (the cookie on the response and on the request, so
 * this very render sees the user); a known session passes untouched; a page visited with the cookie of a revoked
 * session gets a new guest (Better Auth would otherwise answer the stale cookie by expiring the new one too); an API
 * call with such a cookie gets no guest (its route refuses it), and neither does a health check.
 */
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '@/framework/server';
import { PEER_ADDRESS_HEADER } from '@/framework/server/limits/client-address';
import type * as Instance from '@/server/instance';
import { getEnv } from '@/server/env';
import { contextFromSession } from '@/server/context';
import { handOffSession, SESSION_HANDOFF_HEADER, takeSessionHandoff } from '@/server/auth/session-handoff';
import { forgedCookie, newSession, SESSION_COOKIE } from './helpers/auth';
import { createTestRuntime } from './helpers/test-database';

const holder = vi.hoisted(() => ({ runtime: null as Runtime | null }));
// proxy.ts asks the process runtime; here that is this file's.
vi.mock('@/server/instance', async (importOriginal) => ({
  ...(await importOriginal<typeof Instance>()),
  getRuntime: () =>
    holder.runtime ? Promise.resolve(holder.runtime) : Promise.reject(new Error('no runtime')),
}));

beforeAll(async () => {
  holder.runtime = await createTestRuntime();
});
afterAll(() => holder.runtime?.close());

async function visit(path: string, cookie?: string, extraHeaders: Record<string, string> = {}) {
  const { proxy } = await import('@/proxy');
  const request = new NextRequest(`http://app.test${path}`, {
    headers: {
      accept: 'text/html',
      [PEER_ADDRESS_HEADER]: '203.0.113.50',
      ...(cookie ? { cookie } : {}),
      ...extraHeaders,
    },
  });
  const response = await proxy(request);
  const set = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  return { response, set, requestCookie: request.headers.get('cookie') ?? '' };
}

const valueOf = (line: string | undefined) => line?.split(';')[0]?.slice(SESSION_COOKIE.length + 1) ?? '';

describe('guests in the proxy', () => {
  it('a first visit gets a guest session, on the response and on the request', async () => {
    const { response, set, requestCookie } = await visit('/');
    expect(response.status).toBe(200);
    expect(valueOf(set)).not.toBe('');
    expect(requestCookie).toContain(`${SESSION_COOKIE}=${valueOf(set)}`);
  });

  it('a valid session passes without a new cookie', async () => {
    const session = await newSession(holder.runtime as Runtime, getEnv().SESSION_SECRET);
    const { response, set } = await visit('/', session.cookie);
    expect(response.status).toBe(200);
    expect(set).toBeUndefined();
  });

  it('a page visited with a stale session cookie gets a new guest, whose cookie is not expired at once', async () => {
    const stale = forgedCookie('abcdefabcdefabcdefabcdefabcdefab', getEnv().SESSION_SECRET);
    const { response, set, requestCookie } = await visit('/', stale);
    expect(response.status).toBe(200);
    expect(valueOf(set)).not.toBe('');
    expect(set).not.toMatch(/Max-Age=0/);
    expect(requestCookie).toContain(`${SESSION_COOKIE}=${valueOf(set)}`);
  });

  it('an API call with a stale session cookie, and a health check, get no guest', async () => {
    const stale = forgedCookie('abcdefabcdefabcdefabcdefabcdefab', getEnv().SESSION_SECRET);
    expect((await visit('/api/trpc/todos.list', stale)).set).toBeUndefined();
    expect((await visit('/api/health')).set).toBeUndefined();
  });

  it('a client-side navigation or prefetch with a stale session gets 401 and no cookie, not a guest', async () => {
    // A guest's tab prefetching while that guest signs in: a guest cookie in this answer would replace the account's.
    const stale = forgedCookie('abcdefabcdefabcdefabcdefabcdefab', getEnv().SESSION_SECRET);
    const variants: Record<string, string>[] = [{ rsc: '1' }, { rsc: '1', 'next-router-prefetch': '1' }];
    for (const headers of variants) {
      const { response } = await visit('/', stale, headers);
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // An icon or image the browser fetches with the stale cookie: no guest either; only a page load makes one.
    for (const headers of [{ 'sec-fetch-dest': 'image' }, { 'sec-fetch-dest': 'empty' }]) {
      const { response } = await visit('/settings', stale, headers);
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // Next marks a prefetch by its `_rsc` query too.
    expect((await visit('/?_rsc=abc', stale)).response.status).toBe(401);
    const navigation = await visit('/', stale, { 'sec-fetch-dest': 'document' });
    expect(valueOf(navigation.set)).not.toBe('');
    // Without a cookie at all (a first visit, even by RSC): a guest as always.
    expect(valueOf((await visit('/', undefined, { rsc: '1' })).set)).not.toBe('');
  });
});

describe('the session read the proxy hands to the handler (server/auth/session-handoff.ts)', () => {
  const deps = () => ({ runtime: holder.runtime as Runtime, sessionSecret: getEnv().SESSION_SECRET });

  it('the handler takes the proxy read once; a ticket a client sent is replaced', async () => {
    const session = await newSession(holder.runtime as Runtime, getEnv().SESSION_SECRET);
    const { response } = await visit('/api/trpc/todos.list', session.cookie, {
      [SESSION_HANDOFF_HEADER]: 'forged',
    });
    // NextResponse.next({ request: { headers } }) forwards the request's headers to the handler this way.
    const ticket = response.headers.get(`x-middleware-request-${SESSION_HANDOFF_HEADER}`) ?? '';
    expect(ticket).toMatch(/^[0-9a-f-]{36}$/);
    const forwarded = new Headers({ cookie: session.cookie, [SESSION_HANDOFF_HEADER]: ticket });
    const context = await contextFromSession(forwarded, deps());
    expect(context.user?.id).toBe(session.userId);
    // Taken: a second use of the same ticket finds nothing (and would read the database).
    expect(takeSessionHandoff(forwarded)).toBeUndefined();
  });

  it('a client that sends a ticket the proxy did not hand out, without a cookie, has no session', async () => {
    const guessed = new Headers({ [SESSION_HANDOFF_HEADER]: crypto.randomUUID() });
    expect((await contextFromSession(guessed, deps())).user).toBeNull();
    const { response } = await visit('/api/trpc/todos.list', undefined, {
      [SESSION_HANDOFF_HEADER]: 'forged',
    });
    expect(response.headers.get(`x-middleware-request-${SESSION_HANDOFF_HEADER}`)).not.toBe('forged');
  });

  it('a ticket its handler never took goes stale', () => {
    const headers = new Headers();
    handOffSession(headers, { user: { id: 'someone' } }, Date.now() - 10_000);
    expect(takeSessionHandoff(headers)).toBeUndefined();
  });
});
