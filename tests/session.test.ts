import { describe, expect, it } from 'vitest';
import { newSession, readCookie, signSession, verifySession } from '@/server/session';

const secret = 'a-session-secret-for-tests-only-32+chars';

describe('session cookie', () => {
  it('verifies what it signed', async () => {
    const session = newSession();
    expect(await verifySession(await signSession(session, secret), secret)).toEqual(session);
  });

  it('rejects a changed user id, a wrong secret, and malformed values', async () => {
    const value = await signSession(newSession(), secret);
    const signature = value.slice(value.indexOf('.') + 1);
    expect(await verifySession(`${crypto.randomUUID()}.${signature}`, secret)).toBeNull();
    expect(await verifySession(value, `${secret}-other`)).toBeNull();
    for (const bad of [
      undefined,
      '',
      'no-dot',
      `${crypto.randomUUID()}.`,
      'x.y',
      `${crypto.randomUUID()}.!!!`,
    ]) {
      expect(await verifySession(bad, secret)).toBeNull();
    }
  });

  it('reads a cookie out of a Cookie header', () => {
    expect(readCookie('a=1; starter_session=abc.def; b=2', 'starter_session')).toBe('abc.def');
    expect(readCookie('a=1', 'starter_session')).toBeUndefined();
    expect(readCookie(null, 'starter_session')).toBeUndefined();
  });
});
