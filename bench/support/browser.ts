/**
 * Chromium for the browser benches, with a small instrumentation script injected into every page before the app
 * loads. The app exposes no hook for "the change feed delivered a message", so the script wraps EventSource to
 * count feed messages and timestamp the last one, and BroadcastChannel to do the same for a feed message another tab
 * relayed (the tabs of one browser share one feed: framework/client/shared-feed.ts); and it keeps every resource
 * timing entry so that a mutation's response time can be read in page time.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    // Debian's Chromium when present (Playwright cannot download its own on these machines), as the e2e tests do.
    executablePath: fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What the injected script keeps on `window.__bench`. Times are epoch ms (performance.timeOrigin + now()). */
export interface PageProbe {
  feedMessages: number;
  lastFeedAt: number;
}

/** `window` as the in-page code of the benches sees it. */
export type ProbedWindow = Window & { __bench: PageProbe };

// Plain JavaScript on purpose: it runs in the page as written. `__name`: tsx compiles bench files with esbuild's
// keepNames, which wraps inner functions in `__name(fn, "name")`; the functions handed to page.evaluate() carry
// those calls into the page, so the page needs a no-op `__name`.
const PROBE_SCRIPT = `
globalThis.__name = (fn) => fn;
window.__bench = { feedMessages: 0, lastFeedAt: 0 };
performance.setResourceTimingBufferSize(100000);
const NativeEventSource = window.EventSource;
if (NativeEventSource) {
  window.EventSource = class extends NativeEventSource {
    constructor(url, init) {
      super(url, init);
      // Registered before tRPC's own listener, so this is the moment the message reached the page.
      this.addEventListener('message', () => {
        window.__bench.feedMessages += 1;
        window.__bench.lastFeedAt = performance.timeOrigin + performance.now();
      });
    }
  };
}
const NativeBroadcastChannel = window.BroadcastChannel;
if (NativeBroadcastChannel) {
  window.BroadcastChannel = class extends NativeBroadcastChannel {
    constructor(name) {
      super(name);
      // Before the app's onmessage: the moment a relayed feed message reached this tab.
      this.addEventListener('message', (event) => {
        if (event.data && event.data.kind !== 'message') return;
        window.__bench.feedMessages += 1;
        window.__bench.lastFeedAt = performance.timeOrigin + performance.now();
      });
    }
  };
}
`;

/** A fresh context (a new visitor: its own session cookie and todos) whose pages all carry the probe. */
export async function newProbedContext(
  browser: Browser,
  options: { extraHTTPHeaders?: Record<string, string> } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addInitScript({ content: PROBE_SCRIPT });
  return context;
}

/** Opens the app in a new page of `context` and waits until the list is rendered and the change feed is live. */
export async function openApp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('todo-item').first().waitFor({ timeout: 30_000 });
  return page;
}

/** The id (data-id) of the first todo on the page. */
export async function firstTodoId(page: Page): Promise<string> {
  const id = await page.getByTestId('todo-item').first().getAttribute('data-id');
  if (!id) throw new Error('the first todo has no data-id');
  return id;
}
