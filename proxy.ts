/**
 * Runs before every page and API request: gives a visitor without a valid session a new anonymous one, and names
 * the process that answered when SERVED_BY asks for it.
 * The cookie is set on the response and also on the request being handled, so that this very request's server
 * render already sees the user (no empty first page). It also sets the Content-Security-Policy, whose nonce must
 * be new for every request (server/http/security-headers.ts); next.config.ts adds the other security headers.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { getEnv } from '@/server/env';
import { contentSecurityPolicy, createNonce } from '@/server/http/security-headers';
import { getRuntime } from '@/server/instance';
import { refuseNewVisitor } from '@/framework/server';
import {
  newSession,
  SESSION_COOKIE,
  SESSION_MAX_AGE_SECONDS,
  signSession,
  verifySession,
} from '@/server/session';

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
  const next = () => NextResponse.next({ request: { headers: request.headers } });
  // Scripts and MCP clients authenticate with an API token; they get no cookie (and no new anonymous user).
  if (request.headers.has('authorization')) return next();
  // A load balancer's health check every few seconds would otherwise mint a user each time and spend the
  // new-visitor budget of its address (the balancer's, shared by every visitor behind it).
  if (request.nextUrl.pathname === HEALTH_PATH) return next();
  const env = getEnv();
  const secret = env.SESSION_SECRET;
  if (await verifySession(request.cookies.get(SESSION_COOKIE)?.value, secret)) return next();

  // A new visitor, who would become a new user: limited per client address (429 with Retry-After, and no cookie).
  const refusal = await refuseNewVisitor(getRuntime, request.headers, env.TRUSTED_PROXY_HOPS);
  if (refusal) return refusal;

  const value = await signSession(newSession(), secret);
  request.cookies.set(SESSION_COOKIE, value);
  const response = next();
  const forwardedProto = request.headers.get('x-forwarded-proto');
  response.cookies.set(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: SESSION_MAX_AGE_SECONDS,
    secure: (forwardedProto ?? request.nextUrl.protocol.replace(':', '')) === 'https',
  });
  return response;
}

export const config = {
  // Static assets need no session. The copilot's chat endpoint, MCP and the CSV import must not mint one either: a
  // call without a valid session (or token) is refused there (401), not quietly given a new, empty user. The import
  // has one more reason: Next reads the whole body of a request the proxy sees before the route starts (up to
  // proxyClientMaxBodySize, 10 MB, then cut short), which would defeat its streamed, bounded upload.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt|api/chat|api/mcp|api/todos/import).*)'],
};
