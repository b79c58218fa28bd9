/**
 * Issue 12 item 9, on the production build: new anonymous visitors are limited per client address by the proxy,
 * which counts in the database (the process runtime) and takes the address from the connection, not from a header a
 * client can forge. A refused page load says why, with 429 and Retry-After, and gets no session cookie.
 */
import { expect, test } from '@playwright/test';
import { startNextServer, tempPgliteDir, type RunningServer } from './support/next-server';

const PORT = Number(process.env.E2E_PORT ?? 3100) + 77;

// One server whose budget the tests spend in order.
test.describe.configure({ mode: 'serial' });

let server: RunningServer;
test.beforeAll(async () => {
  test.setTimeout(90_000);
  server = await startNextServer(PORT, {
    PGLITE_DIR: tempPgliteDir('visitors'),
    NEW_VISITOR_RATE_LIMIT: '3',
  });
});
test.afterAll(async () => {
  await server.stop();
});

test("health checks get no session and spend none of their address's budget", async () => {
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${server.url}/api/health`, {
      headers: { 'x-starter-peer-address': '1.2.3.4' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
  }
});

test('item 9: cookie-less visitors from one address beyond the limit get 429, Retry-After and no cookie', async () => {
  const visits = [];
  for (let i = 0; i < 5; i++) {
    // A different forged X-Forwarded-For each time: not believed (no trusted proxy configured).
    const response = await fetch(`${server.url}/`, {
      headers: {
        accept: 'text/html',
        'x-forwarded-for': `198.51.100.${i}`,
        'x-starter-peer-address': '1.2.3.4',
      },
    });
    visits.push({
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      cookie: response.headers.getSetCookie().some((line) => line.startsWith('starter.session_token=')),
      text: await response.text(),
    });
  }
  // Exactly the limit: the start-up probes and the health checks above spent none of it.
  const admitted = visits.filter((visit) => visit.status === 200);
  expect(admitted.length).toBe(3);
  expect(admitted.every((visit) => visit.cookie)).toBe(true);
  const refused = visits.slice(admitted.length);
  expect(refused.length).toBe(2);
  for (const visit of refused) {
    expect(visit.status).toBe(429);
    expect(Number(visit.retryAfter)).toBeGreaterThan(0);
    expect(visit.cookie).toBe(false);
    expect(visit.text).toContain('Too many new visitors from your network');
  }
});

test('item 9: a refused browser sees a page that says why, not an error', async ({ page }) => {
  const response = await page.goto(`${server.url}/`);
  expect(response?.status()).toBe(429);
  await expect(page.getByRole('heading', { name: 'Try again later' })).toBeVisible();
  await expect(page.getByText(/Too many new visitors from your network: try again in/)).toBeVisible();
  expect((await page.context().cookies()).some((cookie) => cookie.name === 'starter.session_token')).toBe(
    false,
  );
});
