/**
 * The limit on new anonymous visitors per client address. Every visitor without a session gets a new signed cookie
 * in proxy.ts, and with it, on first use, a user with example todos; proxy.ts asks here first. A refusal is a 429
 * with Retry-After and no cookie, so no user and no todos are ever made for it. Counted in the database
 * (db-rate-limiter.ts), so all server processes share one count per address.
 */
import type { Runtime } from '../runtime/runtime';
import { clientAddress } from './client-address';
import { takePoint, type RateLimitDecision } from './db-rate-limiter';

const KEY_PREFIX = 'visitor';

/**
 * Takes one new-visitor point for the request's client address; null when the visitor may have a session, else the
 * response to send instead (429, or 503 when the database cannot be reached: never a 500).
 */
export async function refuseNewVisitor(
  getRuntime: () => Promise<Runtime>,
  headers: Headers,
  trustedProxyHops: number,
): Promise<Response | null> {
  let decision: RateLimitDecision;
  try {
    const runtime = await getRuntime();
    decision = await takePoint(
      runtime.db,
      KEY_PREFIX,
      clientAddress(headers, trustedProxyHops),
      runtime.limits.newVisitors,
    );
  } catch (error) {
    console.error('[limits] could not count a new visitor:', error);
    return refusal(headers, 503, 'The server cannot start new sessions right now', 5);
  }
  if (decision.allowed) return null;
  return refusal(headers, 429, 'Too many new visitors from your network', decision.retryAfterSeconds);
}

function refusal(headers: Headers, status: number, reason: string, retryAfterSeconds: number): Response {
  const message = `${reason}: try again in ${describeWait(retryAfterSeconds)}.`;
  const responseHeaders = { 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store' };
  if (headers.get('accept')?.includes('text/html')) {
    // A page load: a page that says what happened, not an error screen.
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Try again later</title></head><body><main><h1>Try again later</h1><p>${message}</p></main></body></html>`;
    return new Response(html, {
      status,
      headers: { ...responseHeaders, 'content-type': 'text/html; charset=utf-8' },
    });
  }
  return Response.json({ error: message, retryAfterSeconds }, { status, headers: responseHeaders });
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
