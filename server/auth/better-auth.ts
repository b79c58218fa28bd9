/**
 * The app's Better Auth instance over the runtime's database: guests (anonymous plugin), email + password with
 * verification and reset links by mail, GitHub / Google when configured. One place builds it, with its plugins in
 * one list ({@link authPlugins}) so later sign-in methods (e.g. OAuth for MCP) are one entry more.
 *
 * Identity is shared with the framework: a Better Auth user's id IS the framework user's id (UUIDs, made here), and
 * the framework's row (the owner of every synced row) is created beside each new Better Auth user.
 */
import 'server-only';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { anonymous } from 'better-auth/plugins';
import { ensureUser, type Runtime } from '@/framework/server';
import { authAccounts, authRateLimits, authSessions, authUsers, authVerifications } from '@/db/schema';
import { sendMail } from '../mail/send-mail';
import { ownOrigins } from '../http/request-guards';
import { announceSessionEnded } from './credential-watch';
import { onGuestUpgrade } from './guest-upgrade';
import { verificationMail, resetPasswordMail } from './auth-mails';
import { mcpOAuthPlugins, mcpOAuthTables } from './mcp-oauth';

/** A session lives this long, extended by use (once a day at most): a guest's data lasts as long as its cookie. */
const SESSION_SECONDS = 60 * 60 * 24 * 365;

/** The cookie names start with this (`starter.session_token`; `__Secure-` in front when the cookie is Secure). */
export const AUTH_COOKIE_PREFIX = 'starter';

/** Header the auth route stamps with the client's address (server/http/auth.ts): Better Auth's rate-limit key. */
export const AUTH_CLIENT_ADDRESS_HEADER = 'x-starter-auth-client-address';

/** Credentials of an OAuth app. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** What the auth instance is built from (the process passes its environment's, tests their own). */
export interface AuthConfig {
  runtime: Runtime;
  /** Signs cookies and encrypts OAuth tokens: SESSION_SECRET. */
  secret: string;
  /** The app's public URL (BETTER_AUTH_URL); unset: each request's own origin. */
  baseURL?: string;
  /** Other origins of this app (TRUSTED_ORIGINS); the request's own is always trusted. */
  trustedOrigins?: readonly string[];
  /** Secure cookies (`__Secure-` prefix): https deployments. */
  secureCookies?: boolean;
  github?: OAuthClient;
  google?: OAuthClient;
  /** Sign-in and sign-up attempts a minute per client address (SIGN_IN_RATE_LIMIT); default 10. */
  signInRateLimit?: number;
}

/** The plugin list (one place, so a later plugin is one entry more). */
export function authPlugins(config: AuthConfig) {
  return [
    anonymous({
      // Never shown, never mailed: a guest's address only has to be unique (RFC 2606 reserves .invalid).
      emailDomainName: 'guest.invalid',
      generateName: () => 'Guest',
      onLinkAccount: (link) => onGuestUpgrade(config.runtime, link),
    }),
    // OAuth for MCP: MCP clients get tokens for /api/mcp (server/auth/mcp-oauth.ts).
    ...mcpOAuthPlugins({ baseURL: config.baseURL }),
  ];
}

/** Builds the app's Better Auth instance (one per runtime: see server/auth/auth-instance.ts). */
export function createAuth(config: AuthConfig) {
  const { runtime } = config;
  const options = {
    appName: 'tRPC Actions Starter',
    secret: config.secret,
    baseURL: config.baseURL,
    basePath: '/api/auth',
    trustedOrigins: (request?: Request) => [
      ...(config.trustedOrigins ?? []),
      ...(request ? ownOrigins(request) : []),
    ],
    telemetry: { enabled: false },
    database: drizzleAdapter(runtime.db, {
      provider: 'pg',
      schema: {
        user: authUsers,
        session: authSessions,
        account: authAccounts,
        verification: authVerifications,
        rateLimit: authRateLimits,
        ...mcpOAuthTables,
      },
    }),
    // Guests are made only by the proxy (rate limited per address); deleting one would leave its data behind.
    disabledPaths: ['/sign-in/anonymous', '/delete-anonymous-user'],
    session: { expiresIn: SESSION_SECONDS, updateAge: 60 * 60 * 24 },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      autoSignIn: true,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: ({ user, url }) => sendMail(resetPasswordMail(user.email, url)),
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      sendVerificationEmail: ({ user, url }) => sendMail(verificationMail(user.email, url)),
    },
    socialProviders: {
      ...(config.github ? { github: config.github } : {}),
      ...(config.google ? { google: config.google } : {}),
    },
    rateLimit: {
      enabled: true,
      // In the database, so every server process counts the same attempts.
      storage: 'database',
      window: 10,
      max: 100,
      customRules: {
        '/sign-in/email': { window: 60, max: config.signInRateLimit ?? 10 },
        '/sign-up/email': { window: 60, max: config.signInRateLimit ?? 10 },
        '/request-password-reset': { window: 60, max: 5 },
        // A read every page makes (the header's session hook): every visitor behind one address (an office, a
        // proxy) shares the per-address budget, and a 429 here would show a signed-in user as a guest.
        '/get-session': false,
        '/send-verification-email': { window: 60, max: 5 },
      },
    },
    advanced: {
      cookiePrefix: AUTH_COOKIE_PREFIX,
      // Its default skips the check under NODE_ENV=test: tests must see the Origin check production has.
      disableOriginCheck: false,
      useSecureCookies: config.secureCookies ?? false,
      database: { generateId: () => crypto.randomUUID() },
      ipAddress: { ipAddressHeaders: [AUTH_CLIENT_ADDRESS_HEADER] },
    },
    databaseHooks: {
      session: {
        // Signed out or revoked: this process's streams of the session end at once (credential-watch.ts).
        delete: { after: async (session) => announceSessionEnded(runtime.db, session.id) },
      },
      user: {
        create: {
          // The framework's user row, at once: a guest with the app's welcome rows; an account without (a guest's
          // rows move to it when it signs up from one: guest-upgrade.ts).
          after: async (user) => {
            const anonymous = (user as { isAnonymous?: boolean | null }).isAnonymous === true;
            await ensureUser(runtime, user.id, {
              seed: anonymous,
              kind: anonymous ? 'anonymous' : 'account',
            });
          },
        },
      },
    },
    plugins: authPlugins(config),
  } satisfies BetterAuthOptions;
  return betterAuth(options);
}

/** The app's Better Auth instance. */
export type Auth = ReturnType<typeof createAuth>;
