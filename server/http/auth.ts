/**
 * Better Auth's routes (/api/auth/*: sign-up, sign-in, sign-out, sessions, verification and reset links, OAuth
 * callbacks) behind the app's own checks: a state-changing request from another site is refused before Better Auth
 * sees it (Better Auth's own origin check refuses it too: two locks), and the client's address that Better Auth's
 * rate limiter counts by is the one the app trusts (framework/server/limits/client-address.ts), never a header a
 * client could send.
 */
import 'server-only';
import { isIP } from 'node:net';
import { clientAddress } from '@/framework/server';
import { AUTH_CLIENT_ADDRESS_HEADER, type Auth } from '../auth/better-auth';
import { getEnv } from '../env';
import { getContextDeps } from '../instance';
import { refuseForeignOrigin } from './request-guards';

/** Handles one /api/auth request with the given instance (tests pass theirs). */
export async function handleAuthRequestWith(
  request: Request,
  auth: Auth,
  options: { trustedOrigins?: readonly string[]; trustedProxyHops?: number } = {},
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const foreign = refuseForeignOrigin(request, options.trustedOrigins);
    if (foreign) return foreign;
  }
  const headers = new Headers(request.headers);
  headers.delete(AUTH_CLIENT_ADDRESS_HEADER);
  // The framework keys IPv6 clients by their /64 network (`a:b:c:d::/64`); Better Auth wants an address.
  const address = clientAddress(request.headers, options.trustedProxyHops ?? 0).replace(/\/64$/, '');
  if (isIP(address)) headers.set(AUTH_CLIENT_ADDRESS_HEADER, address);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const response = await auth.handler(
    new Request(request.url, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      signal: request.signal,
      // A streamed body must say so (Node's fetch); Better Auth reads it whole, its routes' bodies are small.
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit),
  );
  return hasBody ? response : withoutCookieDeletions(response);
}

/**
 * A read (GET) never signs the browser out. Better Auth answers a session read with a stale cookie by expiring the
 * session cookie; but a read sent with a guest's cookie can be answered after that guest signed in (the page's
 * session hook, in flight during the sign-in), and its expiry would then delete the account's new cookie. A stale
 * cookie needs no deleting: the proxy replaces it on the next page load. Cookies being set (a verification link's
 * sign-in, an OAuth callback) pass.
 */
function withoutCookieDeletions(response: Response): Response {
  const lines = response.headers.getSetCookie();
  const kept = lines.filter((line) => !EXPIRED_COOKIE.test(line));
  if (kept.length === lines.length) return response;
  const headers = new Headers(response.headers);
  headers.delete('set-cookie');
  for (const line of kept) headers.append('set-cookie', line);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const EXPIRED_COOKIE = /;\s*max-age=0(?:;|$)/i;

/** The app's handler: the process's Better Auth instance and limits from the environment. */
export async function handleAuthRequest(request: Request): Promise<Response> {
  const deps = await getContextDeps();
  if (!deps.auth) throw new Error('getContextDeps() gave no Better Auth instance');
  return handleAuthRequestWith(request, deps.auth, {
    trustedOrigins: deps.trustedOrigins,
    trustedProxyHops: getEnv().TRUSTED_PROXY_HOPS,
  });
}
