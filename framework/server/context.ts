/**
 * What every procedure receives as `ctx`, as far as the framework's procedures need it. The app builds it per request
 * (its authentication: session cookies, API tokens) and may read the same fields in its own routers.
 */
import 'server-only';
import type { Db } from './db/open';
import type { CredentialWatch } from './runtime/credential';
import type { Runtime } from './runtime/runtime';
import type { SessionUser } from './users';

export interface Context {
  runtime: Runtime;
  db: Db;
  /** Null when the request carries no valid credential. */
  user: SessionUser | null;
  /** How the user was recognised: a session cookie (a browser) or an API token (a script, an MCP client). */
  auth: 'session' | 'token' | null;
  /** Milliseconds to hold each mutation before running it: tests only (the app decides when to honour it). */
  testDelayMs: number;
  /**
   * For long-lived streams: watches the credential this request was authenticated with, so the stream ends when it
   * is revoked. The caller closes the watch when its stream ends.
   */
  watchCredential(): CredentialWatch;
}
