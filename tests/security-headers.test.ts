/**
 * Issue 12 item 16: every response carries security headers. The page policy's nonce is new per request and is
 * handed to Next on the request (which stamps it on its scripts); the e2e spec e2e/security-headers.spec.ts checks
 * the served pages and that nothing is blocked in the browser.
 */
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import nextConfig from '@/next.config';
import { proxy } from '@/proxy';

function nonceOf(policy: string | null): string | undefined {
  return /'nonce-([^']+)'/.exec(policy ?? '')?.[1];
}

describe('issue 12 item 16: security headers', () => {
  it('item 16: the proxy sets a nonce policy that forbids framing, and hands it to Next on the request', async () => {
    const response = await proxy(new NextRequest('http://127.0.0.1/'));
    const policy = response.headers.get('content-security-policy');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toContain('unsafe-eval'); // tests run with NODE_ENV=test, not development
    const nonce = nonceOf(policy);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    // NextResponse.next({ request: { headers } }) passes request headers on as x-middleware-request-*.
    expect(response.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
    const other = await proxy(new NextRequest('http://127.0.0.1/'));
    expect(nonceOf(other.headers.get('content-security-policy'))).not.toBe(nonce);
  });

  it('item 16: a request with an API token gets the policy too', async () => {
    const request = new NextRequest('http://127.0.0.1/api/trpc/todos.list', {
      headers: { authorization: 'Bearer x' },
    });
    expect((await proxy(request)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('item 16: next.config.ts adds nosniff, X-Frame-Options and Referrer-Policy to every path', async () => {
    const rules = (await nextConfig.headers?.()) ?? [];
    const everywhere = rules.find((rule) => rule.source === '/:path*');
    expect(Object.fromEntries((everywhere?.headers ?? []).map(({ key, value }) => [key, value]))).toEqual({
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
    for (const route of ['/api/chat', '/api/mcp']) {
      const rule = rules.find((each) => each.source === route);
      expect(rule?.headers).toContainEqual({
        key: 'Content-Security-Policy',
        value: "default-src 'none'; frame-ancestors 'none'",
      });
    }
  });
});
