import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Loaded by Node at run time rather than bundled: PGlite ships WebAssembly and data files beside its JS,
  // and pg has optional native bindings.
  serverExternalPackages: ['@electric-sql/pglite', 'pg'],
  poweredByHeader: false,
};

export default nextConfig;
