/**
 * Better Auth's tables (server/auth/better-auth.ts), as drizzle tables so that they ship in the app's normal
 * migrations. Property names are the field names Better Auth uses; SQL names follow the project's snake_case.
 * Server-only, all of them: none is declared synced, so no session token or password hash can reach a client.
 *
 * `auth_users.id` is the same UUID as the framework's `users.id` (the owner of every synced row): Better Auth
 * makes the id (advanced.database.generateId) and the framework's row is created beside it (ensureUser).
 */
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Everyone who can sign in, guests included (`isAnonymous`: made by the anonymous plugin on first visit). */
export const authUsers = pgTable('auth_users', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  isAnonymous: boolean('is_anonymous').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Sessions: the cookie holds a signed `token`; revoking a session deletes its row. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    token: text('token').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('auth_sessions_user_idx').on(table.userId)],
);

/** How a user signs in: `credential` (email + password: `password` is a scrypt hash) or a social provider. */
export const authAccounts = pgTable(
  'auth_accounts',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }),
    refreshTokenExpiresAt: timestamp('refresh_token_expires_at', { withTimezone: true }),
    scope: text('scope'),
    password: text('password'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('auth_accounts_user_idx').on(table.userId)],
);

/** Short-lived secrets: email verification and password reset links, OAuth state. */
export const authVerifications = pgTable(
  'auth_verifications',
  {
    id: uuid('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('auth_verifications_identifier_idx').on(table.identifier)],
);

/** Better Auth's rate-limit counters (storage: 'database'), shared by every server process. */
export const authRateLimits = pgTable('auth_rate_limits', {
  id: uuid('id').primaryKey(),
  key: text('key').notNull().unique(),
  count: integer('count').notNull(),
  /** Milliseconds since the epoch, as Better Auth stores it (beyond int4: a bigint read as a number). */
  lastRequest: bigint('last_request', { mode: 'number' }).notNull(),
});

// --- OAuth for MCP (@better-auth/oauth-provider, server/auth/mcp-oauth.ts) ---------------------------------------
// Field names are the plugin's; a column the plugin declares optional is nullable here. Tokens, codes and client
// secrets are stored hashed or encrypted by the plugin, never as sent. Ids are UUIDs (advanced.database.generateId).

const optionalTimestamp = (name: string) => timestamp(name, { withTimezone: true });

/** OAuth clients, most made by MCP clients themselves through dynamic client registration (RFC 7591). */
export const oauthClients = pgTable(
  'oauth_clients',
  {
    id: uuid('id').primaryKey(),
    clientId: text('client_id').notNull().unique(),
    clientSecret: text('client_secret'),
    clientDiscoveryId: text('client_discovery_id'),
    disabled: boolean('disabled').default(false),
    skipConsent: boolean('skip_consent'),
    enableEndSession: boolean('enable_end_session'),
    subjectType: text('subject_type'),
    scopes: text('scopes').array(),
    clientCredentialsScopes: text('client_credentials_scopes').array(),
    userId: uuid('user_id').references(() => authUsers.id, { onDelete: 'cascade' }),
    createdAt: optionalTimestamp('created_at'),
    updatedAt: optionalTimestamp('updated_at'),
    name: text('name'),
    uri: text('uri'),
    icon: text('icon'),
    contacts: text('contacts').array(),
    tos: text('tos'),
    policy: text('policy'),
    softwareId: text('software_id'),
    softwareVersion: text('software_version'),
    softwareStatement: text('software_statement'),
    redirectUris: text('redirect_uris').array().notNull(),
    postLogoutRedirectUris: text('post_logout_redirect_uris').array(),
    backchannelLogoutUri: text('backchannel_logout_uri'),
    backchannelLogoutSessionRequired: boolean('backchannel_logout_session_required'),
    tokenEndpointAuthMethod: text('token_endpoint_auth_method'),
    applicationType: text('application_type'),
    jwks: text('jwks'),
    jwksUri: text('jwks_uri'),
    grantTypes: text('grant_types').array(),
    responseTypes: text('response_types').array(),
    requirePKCE: boolean('require_pkce'),
    dpopBoundAccessTokens: boolean('dpop_bound_access_tokens').default(false),
    referenceId: text('reference_id'),
    metadata: jsonb('metadata'),
  },
  (table) => [
    index('oauth_clients_user_idx').on(table.userId),
    index('oauth_clients_created_idx').on(table.createdAt),
  ],
);

/** Protected resources tokens are issued for (RFC 8707): here the one MCP endpoint, seeded from the config. */
export const oauthResources = pgTable('oauth_resources', {
  id: uuid('id').primaryKey(),
  identifier: text('identifier').notNull().unique(),
  name: text('name').notNull(),
  accessTokenTtl: integer('access_token_ttl'),
  refreshTokenTtl: integer('refresh_token_ttl'),
  signingAlgorithm: text('signing_algorithm'),
  signingKeyId: text('signing_key_id'),
  allowedScopes: text('allowed_scopes').array(),
  customClaims: jsonb('custom_claims'),
  dpopBoundAccessTokensRequired: boolean('dpop_bound_access_tokens_required').default(false),
  disabled: boolean('disabled').default(false),
  createdAt: optionalTimestamp('created_at'),
  updatedAt: optionalTimestamp('updated_at'),
  policyVersion: integer('policy_version').default(1),
  metadata: jsonb('metadata'),
});

/** Which resources a client may ask tokens for (new clients are linked to the MCP endpoint). */
export const oauthClientResources = pgTable(
  'oauth_client_resources',
  {
    id: uuid('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    resourceId: text('resource_id')
      .notNull()
      .references(() => oauthResources.identifier, { onDelete: 'cascade' }),
    metadata: jsonb('metadata'),
    createdAt: optionalTimestamp('created_at'),
  },
  (table) => [
    uniqueIndex('oauth_client_resources_pair_idx').on(table.clientId, table.resourceId),
    index('oauth_client_resources_resource_idx').on(table.resourceId),
  ],
);

/** Refresh tokens (asked for with `offline_access`), hashed; rotated on use, `revoked` once replaced. */
export const oauthRefreshTokens = pgTable(
  'oauth_refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    token: text('token').notNull().unique(),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    sessionId: uuid('session_id').references(() => authSessions.id, { onDelete: 'set null' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => authUsers.id, { onDelete: 'cascade' }),
    referenceId: text('reference_id'),
    authorizationCodeId: text('authorization_code_id'),
    resources: text('resources').array(),
    requestedUserInfoClaims: text('requested_user_info_claims').array(),
    expiresAt: optionalTimestamp('expires_at'),
    createdAt: optionalTimestamp('created_at'),
    revoked: optionalTimestamp('revoked'),
    rotatedAt: optionalTimestamp('rotated_at'),
    rotationReplayResponse: text('rotation_replay_response'),
    rotationReplayExpiresAt: optionalTimestamp('rotation_replay_expires_at'),
    authTime: optionalTimestamp('auth_time'),
    confirmation: jsonb('confirmation'),
    scopes: text('scopes').array().notNull(),
  },
  (table) => [
    index('oauth_refresh_tokens_client_idx').on(table.clientId),
    index('oauth_refresh_tokens_user_idx').on(table.userId),
    index('oauth_refresh_tokens_session_idx').on(table.sessionId),
    index('oauth_refresh_tokens_code_idx').on(table.authorizationCodeId),
    index('oauth_refresh_tokens_expires_idx').on(table.expiresAt),
  ],
);

/** Access tokens (opaque, hashed): what an MCP client sends to /api/mcp. `resources` is the token's audience. */
export const oauthAccessTokens = pgTable(
  'oauth_access_tokens',
  {
    id: uuid('id').primaryKey(),
    token: text('token').unique(),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    sessionId: uuid('session_id').references(() => authSessions.id, { onDelete: 'set null' }),
    userId: uuid('user_id').references(() => authUsers.id, { onDelete: 'cascade' }),
    referenceId: text('reference_id'),
    authorizationCodeId: text('authorization_code_id'),
    resources: text('resources').array(),
    requestedUserInfoClaims: text('requested_user_info_claims').array(),
    refreshId: uuid('refresh_id').references(() => oauthRefreshTokens.id, { onDelete: 'cascade' }),
    expiresAt: optionalTimestamp('expires_at'),
    createdAt: optionalTimestamp('created_at'),
    revoked: optionalTimestamp('revoked'),
    confirmation: jsonb('confirmation'),
    scopes: text('scopes').array().notNull(),
  },
  (table) => [
    index('oauth_access_tokens_client_idx').on(table.clientId),
    index('oauth_access_tokens_user_idx').on(table.userId),
    index('oauth_access_tokens_session_idx').on(table.sessionId),
    index('oauth_access_tokens_code_idx').on(table.authorizationCodeId),
    index('oauth_access_tokens_refresh_idx').on(table.refreshId),
    index('oauth_access_tokens_expires_idx').on(table.expiresAt),
  ],
);

/** What a user allowed a client (the consent page's Allow): its scopes; deleted when the user revokes the client. */
export const oauthConsents = pgTable(
  'oauth_consents',
  {
    id: uuid('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => authUsers.id, { onDelete: 'cascade' }),
    referenceId: text('reference_id'),
    resources: text('resources').array(),
    requestedUserInfoClaims: text('requested_user_info_claims').array(),
    scopes: text('scopes').array().notNull(),
    createdAt: optionalTimestamp('created_at'),
    updatedAt: optionalTimestamp('updated_at'),
  },
  (table) => [
    index('oauth_consents_client_idx').on(table.clientId),
    index('oauth_consents_user_idx').on(table.userId),
  ],
);

/** Single-use `jti`s of client assertions (private_key_jwt), kept until they expire. */
export const oauthClientAssertions = pgTable(
  'oauth_client_assertions',
  {
    id: text('id').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('oauth_client_assertions_expires_idx').on(table.expiresAt)],
);
