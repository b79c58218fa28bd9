/**
 * /api/mcp: a Streamable HTTP MCP endpoint (stateless: a fresh server and transport per request, so any server
 * process can answer any request). Authenticated by `Authorization: Bearer <token>`: an API token made on the settings
 * page, or an OAuth access token an MCP client got through the MCP authorization flow (server/auth/mcp-oauth.ts).
 * Without a valid one, a 401 whose `WWW-Authenticate` points at the protected-resource metadata (RFC 9728), where an
 * MCP client starts that flow. POST only: no SSE stream to open with GET, no session to end with DELETE.
 */
import 'server-only';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { bearerToken } from '../auth/api-tokens';
import { isOAuthAccessToken } from '../auth/mcp-oauth-tokens';
import { MCP_SCOPE, mcpResourceOf } from '../auth/mcp-oauth';
import {
  authOf,
  contextFromBearerToken,
  contextFromOAuthAccessToken,
  type Context,
  type ContextDeps,
} from '../context';
import { protectedResourceMetadataUrl } from './protected-resource';
import { refuseForeignOrigin } from '../http/request-guards';
import { createMcpServer } from '@/framework/server';

/**
 * A 401 with the RFC 6750 / RFC 9728 challenge: where the protected-resource metadata is (an MCP client's first step
 * of the OAuth flow), the scope to ask for, and `invalid_token` when a token was sent but is not good.
 */
function unauthorized(message: string, resource: string, invalidToken: boolean): Response {
  const challenge = [
    'Bearer realm="mcp"',
    ...(invalidToken ? ['error="invalid_token"'] : []),
    `resource_metadata="${protectedResourceMetadataUrl(resource)}"`,
    `scope="${MCP_SCOPE}"`,
  ].join(', ');
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32001, message }, id: null },
    { status: 401, headers: { 'www-authenticate': challenge } },
  );
}

/**
 * GET (a server-to-client SSE stream) and DELETE (ending a session) exist only on servers with streams or
 * sessions; the Streamable HTTP spec has a server without them answer 405 with Allow: POST.
 */
function methodNotAllowed(): Response {
  return Response.json(
    {
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Method not allowed: this server takes POST only' },
      id: null,
    },
    { status: 405, headers: { allow: 'POST' } },
  );
}

/** The app's public URL Better Auth was configured with (BETTER_AUTH_URL), if any. */
function baseUrlOf(deps: ContextDeps): string | undefined {
  const { baseURL } = authOf(deps).options;
  return typeof baseURL === 'string' ? baseURL : undefined;
}

/** Handles one /api/mcp request. */
export async function handleMcp(request: Request, deps: ContextDeps): Promise<Response> {
  if (request.method !== 'POST') return methodNotAllowed();
  // Token-only today (a cookie alone is refused below), but a browser's cookie must never be enough from another
  // site should cookie sessions be accepted here later: the same check as every state-changing endpoint.
  const foreign = refuseForeignOrigin(request, deps.trustedOrigins);
  if (foreign) return foreign;
  const resource = mcpResourceOf(baseUrlOf(deps));
  const token = bearerToken(request.headers.get('authorization'));
  if (!token) {
    return unauthorized(
      'Send "Authorization: Bearer <token>": an API token (make one on the settings page) or an OAuth access token',
      resource,
      token === '',
    );
  }
  const oauth = isOAuthAccessToken(token);
  const { user }: Context = oauth
    ? await contextFromOAuthAccessToken(token, resource, deps)
    : await contextFromBearerToken(token, deps);
  if (!user) {
    return unauthorized(
      oauth
        ? 'Unknown, revoked or expired access token, or one not for this server'
        : 'Unknown or revoked API token',
      resource,
      true,
    );
  }

  const server = createMcpServer(deps.runtime, { id: user.id }, new URL(request.url).origin);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // JSON responses are complete here; nothing outlives the request.
    await server.close();
  }
}
