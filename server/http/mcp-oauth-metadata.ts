/**
 * The two discovery documents of OAuth for MCP, served at the site root as the MCP authorization spec asks:
 * protected-resource metadata (RFC 9728) for /api/mcp, and authorization-server metadata (RFC 8414) of this app's
 * Better Auth (issuer `<app>/api/auth`). Public documents: any origin may read them (an MCP client in a browser).
 */
import 'server-only';
import { mcpResourceOf } from '../auth/mcp-oauth';
import { authOf, type ContextDeps } from '../context';
import { getContextDeps } from '../instance';
import {
  PROTECTED_RESOURCE_METADATA_PATH,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../mcp/protected-resource';

const AUTH_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
const PUBLIC_HEADERS = { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=60' };

function notFound(): Response {
  return Response.json({ error: 'No such metadata document' }, { status: 404, headers: PUBLIC_HEADERS });
}

function methodNotAllowed(): Response {
  return new Response(null, { status: 405, headers: { allow: 'GET, HEAD', ...PUBLIC_HEADERS } });
}

function resourceOf(deps: ContextDeps): string {
  const { baseURL } = authOf(deps).options;
  return mcpResourceOf(typeof baseURL === 'string' ? baseURL : undefined);
}

/** `/.well-known/oauth-protected-resource` and `…/api/mcp` (RFC 9728 §3.1 path insertion); any other path: 404. */
export function handleProtectedResourceMetadataWith(request: Request, deps: ContextDeps): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed();
  const resource = resourceOf(deps);
  const path = new URL(request.url).pathname.replace(/\/$/, '');
  const served = [PROTECTED_RESOURCE_METADATA_PATH, new URL(protectedResourceMetadataUrl(resource)).pathname];
  if (!served.includes(path)) return notFound();
  const body = request.method === 'HEAD' ? null : JSON.stringify(protectedResourceMetadata(resource));
  return new Response(body, { headers: { 'content-type': 'application/json', ...PUBLIC_HEADERS } });
}

/** `/.well-known/oauth-authorization-server` and `…/api/auth` (RFC 8414 §3.1 for the issuer's path); else 404. */
export async function handleAuthServerMetadataWith(request: Request, deps: ContextDeps): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed();
  const path = new URL(request.url).pathname.replace(/\/$/, '');
  if (path !== AUTH_SERVER_METADATA_PATH && path !== `${AUTH_SERVER_METADATA_PATH}/api/auth`)
    return notFound();
  // Better Auth serves it under its own base path (where it knows its URL, also when that comes from the request).
  const url = new URL(request.url);
  const response = await authOf(deps).handler(
    new Request(new URL(`/api/auth${AUTH_SERVER_METADATA_PATH}`, url), { headers: request.headers }),
  );
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(PUBLIC_HEADERS)) headers.set(name, value);
  const body = request.method === 'HEAD' ? null : await response.text();
  return new Response(body, { status: response.status, headers });
}

/** The process's protected-resource metadata route. */
export async function handleProtectedResourceMetadata(request: Request): Promise<Response> {
  return handleProtectedResourceMetadataWith(request, await getContextDeps());
}

/** The process's authorization-server metadata route. */
export async function handleAuthServerMetadata(request: Request): Promise<Response> {
  return handleAuthServerMetadataWith(request, await getContextDeps());
}
