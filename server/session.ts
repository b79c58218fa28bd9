/**
 * The anonymous session: an httpOnly cookie holding a user id and an HMAC-SHA256 signature of it, made on first
 * visit by proxy.ts. Web Crypto only, so it runs in the proxy and in route handlers alike.
 * Real sign-in later replaces how the user id is obtained, not the shape `{ userId }` that the rest of the app reads.
 */
export const SESSION_COOKIE = 'starter_session';

/** One year: an anonymous user's todos live as long as their cookie does. */
export const SESSION_MAX_AGE_SECONDS = 60 * 60 * 24 * 365;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a valid cookie proves. */
export interface Session {
  userId: string;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: ArrayBuffer): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Signs a session into a cookie value: `<userId>.<signature>`. */
export async function signSession(session: Session, secret: string): Promise<string> {
  const signature = await crypto.subtle.sign('HMAC', await keyFor(secret), encoder.encode(session.userId));
  return `${session.userId}.${toBase64Url(signature)}`;
}

/** Returns the session that a cookie value proves, or null for a missing, malformed or forged one. */
export async function verifySession(value: string | undefined, secret: string): Promise<Session | null> {
  if (!value) return null;
  const dot = value.indexOf('.');
  const userId = value.slice(0, dot);
  if (dot < 0 || !UUID.test(userId)) return null;
  // Buffer skips characters outside base64url, so garbage yields a wrong signature, which verify rejects.
  const signature = Buffer.from(value.slice(dot + 1), 'base64url');
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify('HMAC', await keyFor(secret), signature, encoder.encode(userId));
  return valid ? { userId } : null;
}

/** Makes a new anonymous session with a fresh user id. */
export function newSession(): Session {
  return { userId: crypto.randomUUID() };
}

/** Reads one cookie from a `Cookie` request header; undefined when absent or not validly %-encoded. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // A malformed %-escape (URIError) is no session, not a server error.
      }
    }
  }
  return undefined;
}
