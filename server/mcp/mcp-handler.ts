/**
 * /api/mcp: a Streamable HTTP MCP endpoint (stateless: a fresh server and transport per request, so any server
 * process can answer any request). Authenticated by an API token, `Authorization: Bearer <token>`. POST only: no
 * SSE stream to open with GET, no session to end with DELETE.
 */
import 'server-only';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { bearerToken } from '../auth/api-tokens';
import { contextFromBearerToken, type ContextDeps } from '../context';
import { refuseForeignOrigin } from '../http/request-guards';
import { createMcpServer } from '@/framework/server';

function unauthorized(message: string): Response {
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32001, message }, id: null },
    { status: 401, headers: { 'www-authenticate': 'Bearer realm="mcp"' } },
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

export async function handleMcp(request: Request, deps: ContextDeps): Promise<Response> {
  if (request.method !== 'POST') return methodNotAllowed();
  // Token-only today (a cookie alone is refused below), but a browser's cookie must never be enough from another
  // site should cookie sessions be accepted here later: the same check as every state-changing endpoint.
  const foreign = refuseForeignOrigin(request, deps.trustedOrigins);
  if (foreign) return foreign;
  const token = bearerToken(request.headers.get('authorization'));
  if (!token) {
    return unauthorized(
      'Send an API token as "Authorization: Bearer <token>" (make one on the settings page)',
    );
  }
  const { user } = await contextFromBearerToken(token, deps);
  if (!user) return unauthorized('Unknown or revoked API token');

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
