/**
 * OAuth for MCP: this app is the authorization server MCP clients use to get a token for /api/mcp, as the MCP
 * authorization spec asks (discovery metadata, dynamic client registration, authorization code + PKCE S256, a consent
 * page). Built on Better Auth's `@better-auth/oauth-provider`; the resource server side (checking the token on
 * /api/mcp, the protected-resource metadata) is server/auth/mcp-oauth-tokens.ts and server/mcp/.
 *
 * Choices, and why:
 * - Opaque access tokens (`disableJwtPlugin`), looked up in the database on every call: a grant the user revokes on
 *   the settings page stops working at the next call. A signed JWT would keep working until it expires.
 * - One resource, `<app>/api/mcp`, and tokens bound to it (RFC 8707): a token whose audience is not it is refused.
 * - Guests cannot consent: a grant outlives a browser tab (refresh tokens last 30 days), and a guest is one cookie.
 *   The consent page asks a guest to sign in or sign up first; the consent endpoint refuses a guest's Allow too.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import { oauthProvider } from '@better-auth/oauth-provider';
import { APIError, createAuthMiddleware, getSessionFromCtx } from 'better-auth/api';
import type { BetterAuthPlugin } from 'better-auth';
import {
  oauthAccessTokens,
  oauthClientAssertions,
  oauthClientResources,
  oauthClients,
  oauthConsents,
  oauthRefreshTokens,
  oauthResources,
} from '@/db/schema';

/** The one scope an MCP client needs: to call this app's tools as the user who allowed it. */
export const MCP_SCOPE = 'mcp:tools';

/** Scopes the authorization server knows: {@link MCP_SCOPE}, and `offline_access` for a refresh token. */
export const MCP_OAUTH_SCOPES = [MCP_SCOPE, 'offline_access'] as const;

/** What each scope lets a client do, as the consent page says it. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [MCP_SCOPE]: 'Use this app’s tools as you: read and change your todos, start actions.',
  offline_access: 'Stay connected without asking you again (a refresh token, up to 30 days).',
};

/** Where the consent page is (app/oauth/consent/page.tsx). */
export const CONSENT_PAGE = '/oauth/consent';

/** The path of the protected resource: the MCP endpoint. */
export const MCP_RESOURCE_PATH = '/api/mcp';

/**
 * The origin the resource identifier is made of when the app is not told its public URL (BETTER_AUTH_URL): `npm run
 * dev` and `npm start` on a laptop. A deployment sets BETTER_AUTH_URL (docs/mcp-and-typed-client.md).
 */
export const DEFAULT_ORIGIN = 'http://localhost:3000';

/** The MCP endpoint's resource identifier (RFC 8707 / RFC 9728): `<public URL>/api/mcp`. */
export function mcpResourceOf(baseURL: string | undefined): string {
  return new URL(MCP_RESOURCE_PATH, baseURL ?? DEFAULT_ORIGIN).href;
}

/**
 * SHA-256 of a token or code, base64url: how the plugin stores them (`storeTokens`), and how the MCP endpoint finds
 * a token's row. Tokens are 32 random characters or more, so a fast hash is enough.
 */
export function hashOAuthToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Returned access tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const OAUTH_ACCESS_TOKEN_PREFIX = 'tao_';

/** The drizzle tables Better Auth's adapter uses for the plugin's models. */
export const mcpOAuthTables = {
  oauthClient: oauthClients,
  oauthResource: oauthResources,
  oauthClientResource: oauthClientResources,
  oauthRefreshToken: oauthRefreshTokens,
  oauthAccessToken: oauthAccessTokens,
  oauthConsent: oauthConsents,
  oauthClientAssertion: oauthClientAssertions,
};

/** A redirect URI of an app on the user's machine: http on a loopback host, or a private-use scheme (`cursor://`). */
function isNativeRedirectUri(uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  try {
    const url = new URL(uri);
    if (url.protocol === 'http:') return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return url.protocol !== 'https:';
  } catch {
    return false;
  }
}

/**
 * The app's own rules around the provider's endpoints:
 * - A registration without `application_type` whose redirect URIs are all on the user's machine is a native app's
 *   (RFC 8252): MCP clients (the SDK's included) register like that and do not say so, and the provider's default,
 *   `web`, would refuse their loopback redirect. A web client's https redirect is left alone.
 * - An Allow from a guest is refused: the consent page hides it, and this holds for a hand-made request too.
 */
function mcpOAuthRules() {
  return {
    id: 'starter-mcp-oauth-rules',
    hooks: {
      before: [
        {
          matcher: (context: { path?: string }) => context.path === '/oauth2/register',
          handler: createAuthMiddleware(async (context) => {
            const body = context.body as Record<string, unknown> | undefined;
            if (!body || typeof body !== 'object' || body.application_type !== undefined) return;
            const uris = body.redirect_uris;
            if (Array.isArray(uris) && uris.length > 0 && uris.every(isNativeRedirectUri)) {
              return { context: { body: { ...body, application_type: 'native' } } };
            }
          }),
        },
        {
          matcher: (context: { path?: string }) => context.path === '/oauth2/consent',
          handler: createAuthMiddleware(async (context) => {
            const session = await getSessionFromCtx(context);
            if ((session?.user as { isAnonymous?: boolean | null } | undefined)?.isAnonymous) {
              throw new APIError('FORBIDDEN', {
                error: 'access_denied',
                error_description: 'Sign in or sign up to connect an MCP client: a guest cannot allow one',
              });
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/** The plugins of OAuth for MCP (one entry of server/auth/better-auth.ts's plugin list). */
export function mcpOAuthPlugins(options: { baseURL?: string }) {
  const resource = mcpResourceOf(options.baseURL);
  return [
    oauthProvider({
      loginPage: '/sign-in',
      consentPage: CONSENT_PAGE,
      scopes: [...MCP_OAUTH_SCOPES],
      // Only the authorization code flow (with refresh): no client_credentials, a token always acts for a user.
      grantTypes: ['authorization_code', 'refresh_token'],
      disableJwtPlugin: true,
      storeTokens: { hash: (token) => hashOAuthToken(token) },
      prefix: { opaqueAccessToken: OAUTH_ACCESS_TOKEN_PREFIX },
      resources: [{ identifier: resource, name: 'MCP tools', allowedScopes: [...MCP_OAUTH_SCOPES] }],
      clientRegistrationDefaultResources: [resource],
      // MCP clients register themselves (RFC 7591) without any credential: the MCP spec's way. What a client may do
      // is decided by the user on the consent page, not by its registration. Registration is rate limited below.
      allowDynamicClientRegistration: true,
      allowUnauthenticatedClientRegistration: true,
      clientRegistrationDefaultScopes: [...MCP_OAUTH_SCOPES],
      accessTokenExpiresIn: 60 * 60,
      rateLimit: {
        register: { window: 60, max: 10 },
        token: { window: 60, max: 30 },
        authorize: { window: 60, max: 30 },
      },
    }),
    mcpOAuthRules(),
  ];
}
