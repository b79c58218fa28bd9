import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * Only tests/example-removal.test.ts (`npm run test:example-removal`): it copies the project, deletes the example,
 * type-checks, lints and builds the copy, so it runs once in CI as a step of its own, not in every `test:unit`.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['tests/example-removal.test.ts'],
      exclude: [],
      testTimeout: 20 * 60_000,
    },
  }),
);
