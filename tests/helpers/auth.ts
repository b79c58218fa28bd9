/**
 * Real Better Auth sessions for tests that talk to handlers over a test runtime: a user (new, or with a given id)
 * and a session row, and the signed cookie a browser would hold for it.
 */
import { createHmac } from 'node:crypto';
import type { Runtime } from '@/framework/server';
import { authFor } from '@/server/auth/auth-instance';
import { AUTH_COOKIE_PREFIX } from '@/server/auth/better-auth';

/** The session cookie's name outside production (no `__Secure-` prefix). */
export const SESSION_COOKIE = `${AUTH_COOKIE_PREFIX}.session_token`;

/** A session: its user, its id, and its cookie as a Cookie header pair (`name=value`) and as the bare value. */
export interface TestSession {
  userId: string;
  sessionId: string;
  /** `starter.session_token=<value>`, for a Cookie header. */
  cookie: string;
  /** The cookie's value, not %-encoded. */
  value: string;
}

/**
 * Makes a guest user (unless Better Auth already knows `userId`) and a new session for it. The framework's user row
 * is made on first sight, by the context (as for a browser).
 */
export async function newSession(
  runtime: Runtime,
  secret: string,
  userId: string = crypto.randomUUID(),
): Promise<TestSession> {
  const context = await authFor(runtime, secret).$context;
  if (!(await context.internalAdapter.findUserById(userId))) {
    await context.adapter.create({
      model: 'user',
      data: {
        id: userId,
        name: 'Guest',
        email: `${userId}@guest.invalid`,
        emailVerified: false,
        isAnonymous: true,
        createdAt: new Date(),
        updatedAt: new Date(),
      },
      forceAllowId: true,
    });
  }
  const session = await context.internalAdapter.createSession(userId);
  if (!session) throw new Error('Better Auth made no session');
  const value = signed(session.token, secret);
  return { userId, sessionId: session.id, value, cookie: `${SESSION_COOKIE}=${encodeURIComponent(value)}` };
}

/** A session cookie (Cookie header pair) carrying `token` signed with `secret`: forged, unless it is the app's. */
export function forgedCookie(token: string, secret: string): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(signed(token, secret))}`;
}

/** Better Auth's signed cookie value: the token, a dot, HMAC-SHA256 of the token in base64. */
function signed(token: string, secret: string): string {
  return `${token}.${createHmac('sha256', secret).update(token).digest('base64')}`;
}
