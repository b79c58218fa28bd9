import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const root = import.meta.dirname;

export default defineConfig({
  resolve: {
    alias: {
      '@': root,
      // `server-only` throws outside React server components; tests are server code, so it is a no-op here.
      'server-only': path.join(root, 'tests/helpers/empty-module.ts'),
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    // Copies and builds the whole project: its own CI step (vitest.example-removal.config.ts).
    exclude: [...configDefaults.exclude, 'tests/example-removal.test.ts'],
    // PGlite takes a few seconds to start; PostgreSQL runs create a database per test file.
    testTimeout: 30_000,
    // Lets memory tests (tests/sustained-load.test.ts) collect garbage before they measure what is retained.
    execArgv: ['--expose-gc'],
    hookTimeout: 60_000,
  },
});
