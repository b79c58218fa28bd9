/**
 * RFC 9728 protected-resource metadata of /api/mcp: what an MCP client reads first (the 401's `resource_metadata`
 * points here) to learn the resource's identifier, which authorization server issues its tokens, and the scope.
 */
import 'server-only';
import { MCP_SCOPE } from '../auth/mcp-oauth';

/** The path prefix of protected-resource metadata (RFC 9728 §3). */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Where the metadata of `resource` is: the well-known prefix inserted before the resource's path (RFC 9728 §3.1). */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  return new URL(`${PROTECTED_RESOURCE_METADATA_PATH}${url.pathname.replace(/\/$/, '')}`, url.origin).href;
}

/** The authorization server of `resource`: this app's Better Auth, at `/api/auth` of the same origin. */
export function authorizationServerOf(resource: string): string {
  return new URL('/api/auth', resource).href;
}

/** The metadata document (RFC 9728 §2). */
export function protectedResourceMetadata(resource: string) {
  return {
    resource,
    authorization_servers: [authorizationServerOf(resource)],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'tRPC Actions Starter MCP tools',
  };
}
