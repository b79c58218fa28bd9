import type { NextConfig } from 'next';
import { API_CONTENT_SECURITY_POLICY, STATIC_SECURITY_HEADERS } from './server/http/security-headers';

const nextConfig: NextConfig = {
  // A self-contained server (.next/standalone/server.js with only the node_modules it needs): what the Dockerfile
  // ships and what the e2e tests start. scripts/assemble-standalone.ts adds the static files Next leaves out.
  output: 'standalone',
  // The migrations are read from disk at start-up (framework/server/db/migrate.ts), so the trace must carry them along.
  outputFileTracingIncludes: { '/*': ['./db/migrations/**/*'] },
  // Loaded by Node at run time rather than bundled: PGlite ships WebAssembly and data files beside its JS,
  // pg has optional native bindings, and rate-limiter-flexible loads drizzle-orm with an import() of a computed
  // name, which a bundle cannot resolve ("Cannot find module as expression is too dynamic").
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'rate-limiter-flexible'],
  poweredByHeader: false,
  // `ANALYZE=1 npx next build` writes source maps of the browser chunks, for a per-module breakdown of the first
  // load (`npx source-map-explorer .next/static/chunks/*.js`; bench/README.md, issue 17). Off otherwise.
  productionBrowserSourceMaps: process.env.ANALYZE === '1',
  async headers() {
    // Pages get their Content-Security-Policy (with a per-request nonce) from proxy.ts; the API routes the proxy
    // does not run for get a policy that allows nothing.
    const apiPolicy = [{ key: 'Content-Security-Policy', value: API_CONTENT_SECURITY_POLICY }];
    return [
      { source: '/:path*', headers: [...STATIC_SECURITY_HEADERS] },
      { source: '/api/chat', headers: apiPolicy },
      { source: '/api/mcp', headers: apiPolicy },
    ];
  },
};

export default nextConfig;
