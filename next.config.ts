import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // A self-contained server (.next/standalone/server.js with only the node_modules it needs): what the Dockerfile
  // ships and what the e2e tests start. scripts/assemble-standalone.ts adds the static files Next leaves out.
  output: 'standalone',
  // The migrations are read from disk at start-up (db/migrate.ts), so the trace must carry them along.
  outputFileTracingIncludes: { '/*': ['./db/migrations/**/*'] },
  // Loaded by Node at run time rather than bundled: PGlite ships WebAssembly and data files beside its JS,
  // and pg has optional native bindings.
  serverExternalPackages: ['@electric-sql/pglite', 'pg'],
  poweredByHeader: false,
};

export default nextConfig;
