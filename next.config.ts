import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Loaded by Node at run time rather than bundled: PGlite ships WebAssembly and data files beside its JS,
  // pg has optional native bindings, and rate-limiter-flexible loads drizzle-orm with an import() of a computed
  // name, which a bundle cannot resolve ("Cannot find module as expression is too dynamic").
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'rate-limiter-flexible'],
  poweredByHeader: false,
};

export default nextConfig;
