/**
 * Headers that make the test server hold each mutation of a request for `ms` (server/context.ts). The server
 * under test runs the production build, where ALLOW_TEST_DELAY=1 is honoured only with the run's TEST_DELAY_TOKEN
 * (playwright.config.ts makes one per run and hands it to the server and, through the environment, to specs).
 */
export function testDelayHeaders(ms: number): Record<string, string> {
  const token = process.env.E2E_TEST_DELAY_TOKEN;
  if (!token) throw new Error('E2E_TEST_DELAY_TOKEN is unset: run the specs through playwright.config.ts');
  return { 'x-test-delay-ms': String(ms), 'x-test-delay-token': token };
}
