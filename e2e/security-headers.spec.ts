/**
 * Issue 12 item 16: the served responses carry the security headers, and the Content-Security-Policy breaks
 * nothing: the page hydrates, goes live over SSE, commits a todo and opens the copilot without one violation.
 */
import { expect, test } from '@playwright/test';

const nonceOf = (policy: string | undefined) => /'nonce-([^']+)'/.exec(policy ?? '')?.[1];

test('item 16: every response carries the security headers; the page policy has a fresh nonce', async ({
  request,
}) => {
  const first = await request.get('/');
  const second = await request.get('/');
  for (const response of [first, second]) {
    const headers = response.headers();
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  }
  const nonce = nonceOf(first.headers()['content-security-policy']);
  expect(nonce).toBeTruthy();
  expect(nonceOf(second.headers()['content-security-policy'])).not.toBe(nonce);
  // Next stamped the request's nonce on the scripts it rendered.
  expect(await first.text()).toContain(`nonce="${nonce}"`);

  const html = await first.text();
  const script = /<script src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeTruthy();
  for (const path of ['/api/health', '/api/chat', '/api/mcp', script ?? '']) {
    const headers = (await request.get(path)).headers();
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['x-frame-options'], path).toBe('DENY');
  }
  for (const path of ['/api/chat', '/api/mcp']) {
    expect((await request.get(path)).headers()['content-security-policy'], path).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  }
});

test('item 16: with the policy on, the page hydrates, goes live, commits and opens the copilot', async ({
  page,
}) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy|violates/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violates ${event.violatedDirective}: ${event.blockedURI}`),
    );
  });
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await page.getByLabel('New todo').fill('Allowed by the policy');
  await page.getByLabel('New todo').press('Enter');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Allowed by the policy' })).toBeVisible();
  await page.getByTestId('copilot-toggle').click();
  await page.waitForLoadState('networkidle');
  expect(violations).toEqual([]);
});
