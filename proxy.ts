/**
 * Runs before every page and API request: gives a visitor without a valid session a guest account at once (Better
 * Auth's anonymous plugin: a user and a session), and names the process that answered when SERVED_BY asks for it.
 * The session cookie is set on the response and also on the request being handled, so that this very request's
 * server render already sees the user (no empty first page). It also sets the Content-Security-Policy, whose nonce must
 * be new for every request (server/http/security-headers.ts); next.config.ts adds the other security headers.
 */
import { applySetCookies } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';
import { getEnv } from '@/server/env';
import { contentSecurityPolicy, createNonce } from '@/server/http/security-headers';
import { getRuntime } from '@/server/instance';
import { authConfigOf, authFor } from '@/server/auth/auth-instance';
import { refuseNewVisitor } from '@/framework/server';
import { AUTH_COOKIE_PREFIX } from '@/server/auth/better-auth';
import { dropSessionHandoff, handOffSession } from '@/server/auth/session-handoff';

const HEALTH_PATH = '/api/health';

export async function proxy(request: NextRequest): Promise<Response> {
  // Next reads the nonce for its scripts from the request's policy; the browser enforces the response's.
  const policy = contentSecurityPolicy(createNonce(), process.env.NODE_ENV === 'development');
  request.headers.set('content-security-policy', policy);
  const response = await withSession(request);
  response.headers.set('content-security-policy', policy);
  const servedBy = getEnv().SERVED_BY;
  if (servedBy) response.headers.set('x-served-by', servedBy);
  return response;
}

async function withSession(request: NextRequest): Promise<Response> {
  // Only this proxy hands a session to the handler (server/auth/session-handoff.ts), never a client.
  dropSessionHandoff(request.headers);
  const next = () => NextResponse.next({ request: { headers: request.headers } });
  // Scripts and MCP clients authenticate with an API token; they get no cookie (and no new anonymous user).
  if (request.headers.has('authorization')) return next();
  // A load balancer's health check every few seconds would otherwise mint a user each time and spend the
  // new-visitor budget of its address (the balancer's, shared by every visitor behind it).
  if (request.nextUrl.pathname === HEALTH_PATH) return next();
  const env = getEnv();
  if (hasSessionCookie(request)) {
    // Read from the database (a revoked or expired session is no session). Better Auth may extend the session
    // while reading it (once a day): its refreshed cookie goes to the browser.
    const session = await readSession(request).catch((error: unknown) => {
      console.error('[auth] could not read a session:', error);
      return null;
    });
    if (session === null) return unavailable();
    if (session.found) return withCookies(next(), session.headers);
    // A revoked, expired or replaced session (a guest who signed in, whose tabs wait for the account's cookie):
    // an API call is refused by its route (401), never quietly given a new, empty guest. A page gets one.
    if (request.nextUrl.pathname.startsWith('/api/')) return next();
    // Nor anything a browser fetches that is not a page load: a client-side navigation or prefetch (an RSC
    // request, Sec-Fetch-Dest "empty"), an image. It can be the tab's own, still in flight with the guest's cookie
    // as that guest signs in, and a guest cookie in its answer would replace the account's in the browser. Refused
    // without a cookie, Next loads the page as a document instead, with the cookie the browser has by then.
    // Clients that send no Sec-Fetch-Dest (scripts) are treated as page loads.
    const destination = request.headers.get('sec-fetch-dest');
    const rsc = request.headers.get('rsc') === '1' || request.nextUrl.searchParams.has('_rsc');
    if (rsc || (destination !== null && destination !== 'document')) return staleSessionRefusal();
  }

  // A new visitor, who would become a new user: limited per client address (429 with Retry-After, and no cookie).
  const refusal = await refuseNewVisitor(getRuntime, request.headers, env.TRUSTED_PROXY_HOPS);
  if (refusal) return refusal;

  try {
    // The guest (its framework row and welcome rows too: the user-create hook in server/auth/better-auth.ts).
    const auth = await processAuth();
    // Without the stale cookies of a revoked or expired session: Better Auth would answer them by expiring the
    // session cookie, the new guest's included.
    const { headers } = await auth.api.signInAnonymous({
      headers: withoutAuthCookies(request.headers),
      returnHeaders: true,
    });
    applySetCookies(request.headers, headers.getSetCookie());
    return withCookies(next(), headers);
  } catch (error) {
    console.error('[auth] could not start a guest session:', error);
    return unavailable();
  }
}

async function readSession(request: NextRequest): Promise<{ found: boolean; headers: Headers }> {
  const auth = await processAuth();
  const { headers, response } = await auth.api.getSession({
    headers: request.headers,
    query: { disableCookieCache: true },
    returnHeaders: true,
  });
  // The handler takes this read instead of making the same one again.
  if (response !== null) handOffSession(request.headers, response);
  return { found: response !== null, headers };
}

/** The process's Better Auth instance (over getRuntime(), which tests of the proxy replace). */
async function processAuth() {
  const env = getEnv();
  return authFor(await getRuntime(), env.SESSION_SECRET, authConfigOf(env));
}

/** The database is not answering: a 503 the browser may retry, never a 500 (nor a new guest for a known user). */
function unavailable(): Response {
  return new Response('The server cannot check sessions right now: try again in a few seconds.', {
    status: 503,
    headers: { 'retry-after': '5', 'content-type': 'text/plain; charset=utf-8' },
  });
}

/** A non-page request with a session that no longer exists: no guest, no cookie (Next then loads a document). */
function staleSessionRefusal(): Response {
  return new Response('This session has ended: reload the page.', {
    status: 401,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** Whether the request carries a session cookie of ours at all (without one there is nothing to look up). */
function hasSessionCookie(request: NextRequest): boolean {
  return request.cookies
    .getAll()
    .some(({ name }) => name.replace(/^__Secure-/, '') === `${AUTH_COOKIE_PREFIX}.session_token`);
}

/** A copy of `headers` whose Cookie header has none of our auth cookies. */
function withoutAuthCookies(headers: Headers): Headers {
  const copy = new Headers(headers);
  const kept = (headers.get('cookie') ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair && !pair.replace(/^__Secure-/, '').startsWith(`${AUTH_COOKIE_PREFIX}.`));
  if (kept.length > 0) copy.set('cookie', kept.join('; '));
  else copy.delete('cookie');
  return copy;
}

/** Copies Better Auth's Set-Cookie lines onto the response. */
function withCookies(response: NextResponse, headers: Headers): NextResponse {
  for (const line of headers.getSetCookie()) response.headers.append('set-cookie', line);
  return response;
}

export const config = {
  // Static assets need no session. The copilot's chat endpoint, MCP and the CSV import must not mint one either: a
  // call without a valid session (or token) is refused there (401), not quietly given a new, empty user. The import
  // has one more reason: Next reads the whole body of a request the proxy sees before the route starts (up to
  // proxyClientMaxBodySize, 10 MB, then cut short), which would defeat its streamed, bounded upload.
  // OAuth for MCP: the discovery documents and the endpoints MCP clients call from a program (registration, token,
  // revocation) must not mint a guest per call either; the browser's authorize and consent steps keep the proxy.
  matcher: [
    '/((?!_next/static|_next/image|favicon.ico|icon.svg|robots.txt|api/chat|api/mcp|api/todos/import|\\.well-known/|api/auth/oauth2/register|api/auth/oauth2/token|api/auth/oauth2/revoke|api/auth/oauth2/introspect|api/auth/oauth2/userinfo).*)',
  ],
};
