import { defineConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * Only tests/example-removal.test.ts (`npm run test:example-removal`): it copies the project, deletes the example,
 * type-checks, lints and builds the copy, so it runs once in CI as a step of its own, not in every `test:unit`.
 * (Spread, not mergeConfig: that would append to the base `include` and run every test again.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/example-removal.test.ts'],
    exclude: [],
    testTimeout: 20 * 60_000,
  },
});
