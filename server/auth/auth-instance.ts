/**
 * Which Better Auth instance serves a runtime: the process's own, configured from the environment, or for tests
 * (which build contexts over their own runtimes) one with default options, made once per database.
 */
import 'server-only';
import type { Runtime } from '@/framework/server';
import type { Env } from '../env';
import { createAuth, type Auth, type AuthConfig } from './better-auth';

const byDatabase = new WeakMap<Runtime['db'], Map<string, Auth>>();

/** The Better Auth instance over `runtime`'s database with `secret`, made on first use. */
export function authFor(runtime: Runtime, secret: string, config: Partial<AuthConfig> = {}): Auth {
  let instances = byDatabase.get(runtime.db);
  if (!instances) byDatabase.set(runtime.db, (instances = new Map()));
  let auth = instances.get(secret);
  if (!auth) {
    auth = createAuth({ ...config, runtime, secret });
    instances.set(secret, auth);
  }
  return auth;
}

/** What the environment says about accounts (BETTER_AUTH_URL, TRUSTED_ORIGINS, social providers). */
export function authConfigOf(env: Env): Omit<AuthConfig, 'runtime' | 'secret'> {
  const pair = (id: string | undefined, secret: string | undefined) =>
    id && secret ? { clientId: id, clientSecret: secret } : undefined;
  return {
    baseURL: env.BETTER_AUTH_URL,
    trustedOrigins: env.TRUSTED_ORIGINS,
    // Secure cookies for an https URL; without one, in production (served over https, as it should be).
    secureCookies: env.BETTER_AUTH_URL
      ? env.BETTER_AUTH_URL.startsWith('https:')
      : env.NODE_ENV === 'production',
    github: pair(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET),
    google: pair(env.GOOGLE_CLIENT_ID, env.GOOGLE_CLIENT_SECRET),
    signInRateLimit: env.SIGN_IN_RATE_LIMIT,
  };
}
