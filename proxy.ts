/**
 * Runs before every page and API request: gives a visitor without a valid session a new anonymous one, and names
 * the process that answered when SERVED_BY asks for it.
 * The cookie is set on the response and also on the request being handled, so that this very request's server
 * render already sees the user (no empty first page).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { getEnv } from '@/server/env';
import {
  newSession,
  SESSION_COOKIE,
  SESSION_MAX_AGE_SECONDS,
  signSession,
  verifySession,
} from '@/server/session';

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const response = await withSession(request);
  const servedBy = getEnv().SERVED_BY;
  if (servedBy) response.headers.set('x-served-by', servedBy);
  return response;
}

async function withSession(request: NextRequest): Promise<NextResponse> {
  // Scripts and MCP clients authenticate with an API token; they get no cookie (and no new anonymous user).
  if (request.headers.has('authorization')) return NextResponse.next();
  const secret = getEnv().SESSION_SECRET;
  if (await verifySession(request.cookies.get(SESSION_COOKIE)?.value, secret)) return NextResponse.next();

  const value = await signSession(newSession(), secret);
  request.cookies.set(SESSION_COOKIE, value);
  const response = NextResponse.next({ request: { headers: request.headers } });
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
  // Static assets need no session. The copilot's chat endpoint and MCP must not mint one either: a call without a
  // valid session (or token) is refused there (401), not quietly given a new, empty user.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt|api/chat|api/mcp).*)'],
};
