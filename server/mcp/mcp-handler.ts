/**
 * /api/mcp: a Streamable HTTP MCP endpoint (stateless: a fresh server and transport per request, so any server
 * process can answer any request). Authenticated by an API token, `Authorization: Bearer <token>`.
 */
import 'server-only';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { bearerToken } from '../auth/api-tokens';
import { contextFromBearerToken, type ContextDeps } from '../context';
import { createMcpServer } from './mcp-server';

function unauthorized(message: string): Response {
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32001, message }, id: null },
    { status: 401, headers: { 'www-authenticate': 'Bearer realm="mcp"' } },
  );
}

export async function handleMcp(request: Request, deps: ContextDeps): Promise<Response> {
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
