/**
 * Security headers for every response (issue 12 item 16). The Content-Security-Policy carries a fresh nonce per
 * request: the proxy puts the policy on the request too, and Next reads the nonce from it and stamps it on its own
 * inline and bundle scripts, so only scripts the server rendered run ('strict-dynamic' lets them load the chunks
 * they import). See node_modules/next/dist/docs/01-app/02-guides/content-security-policy.md.
 */

/** A fresh, unguessable nonce (128 bits, base64). */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The page policy. Why each loosening:
 * - style-src 'unsafe-inline': React renders `style` attributes (progress bars) and Next injects style tags; a
 *   nonce cannot cover attributes, and style injection cannot run code.
 * - img-src data: blob:: icons inlined by the CSS and images the user picks.
 * - connect-src 'self': tRPC requests, the SSE subscription and the copilot's /api/chat are all same-origin (the
 *   model is called by the server, never the browser); `next dev` adds its hot-reload WebSocket.
 * - 'unsafe-eval' in development only: React uses eval there to rebuild server error stacks.
 */
export function contentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${development ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** For responses that are never a page (the API routes the proxy does not see): nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The headers that do not depend on the request: set on every response by next.config.ts. */
export const STATIC_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
];
