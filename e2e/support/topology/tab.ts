/**
 * A browser tab of the app behind the balancer, instrumented for the topology test: which process serves its
 * change feed (the x-served-by of each SSE response), which process answered each of its mutations, and when each
 * todo text first appeared on its screen (stamped in the page, so Playwright's own round trips do not count).
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';

export interface FeedConnection {
  servedBy: string;
  /** Date.now() when the response headers arrived. */
  at: number;
}

export interface Tab {
  page: Page;
  /** Every SSE response of the change feed so far, in order. */
  feeds: FeedConnection[];
  /** The process serving the feed now (the last connection's). */
  feedServedBy(): string;
  /** Mutation requests answered with a 5xx (nginx's 502 included), which the tab's store then retried. */
  serverErrors: number;
  /** Which process answered the mutation that carried `text`. */
  mutationServedBy: Map<string, string>;
  /** Types a new todo and presses Enter; resolves when the keypress is done (not when the server answered). */
  addTodo(text: string): Promise<void>;
  /** Date.now() in the page when `text` was typed in and submitted here. */
  sentAt(text: string): Promise<number | undefined>;
  /** Date.now() in the page when `text` first showed in the list (waits for it). */
  seenAt(text: string, timeoutMs?: number): Promise<number>;
}

const FEED_PATH = '/api/trpc/sync.changes';
const MUTATION_PATH = '/api/trpc/mutators.';

declare global {
  interface Window {
    __topologySent?: Map<string, number>;
    __topologySeen?: Map<string, number>;
  }
}

/** Opens `url` in a new tab of `context` and waits until its feed is live. */
export async function openTab(context: BrowserContext, url: string): Promise<Tab> {
  const page = await context.newPage();
  const feeds: FeedConnection[] = [];
  const mutationServedBy = new Map<string, string>();
  const tab: Tab = {
    page,
    feeds,
    serverErrors: 0,
    mutationServedBy,
    feedServedBy: () => feeds.at(-1)?.servedBy ?? '',
    async addTodo(text) {
      await page.getByLabel('New todo').fill(text);
      await page.getByLabel('New todo').press('Enter');
    },
    sentAt: (text) => page.evaluate((key) => window.__topologySent?.get(key), text),
    async seenAt(text, timeoutMs = 15_000) {
      const handle = await page.waitForFunction((key) => window.__topologySeen?.get(key), text, {
        timeout: timeoutMs,
        polling: 50,
      });
      return (await handle.jsonValue()) as number;
    },
  };
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    const servedBy = response.headers()['x-served-by'] ?? 'unknown';
    if (path === FEED_PATH) feeds.push({ servedBy, at: Date.now() });
    if (path.startsWith(MUTATION_PATH)) {
      if (response.status() >= 500) tab.serverErrors++;
      const text = /"text":"([^"]*)"/.exec(response.request().postData() ?? '')?.[1];
      if (text !== undefined && response.ok()) mutationServedBy.set(text, servedBy);
    }
  });
  await page.addInitScript(() => {
    const sent = new Map<string, number>();
    const seen = new Map<string, number>();
    window.__topologySent = sent;
    window.__topologySeen = seen;
    // Capture phase: stamped before the app's own handler submits the todo.
    document.addEventListener(
      'keydown',
      (event) => {
        const target = event.target as HTMLInputElement | null;
        if (event.key === 'Enter' && target?.getAttribute('aria-label') === 'New todo') {
          sent.set(target.value, Date.now());
        }
      },
      true,
    );
    // Only what changed is looked at: a scan of the whole list on every change would cost the page more than the
    // app does once the list is long.
    const stamp = (element: Element | null, now: number) => {
      const text = element?.textContent ?? '';
      if (element && !seen.has(text)) seen.set(text, now);
    };
    new MutationObserver((records) => {
      const now = Date.now();
      for (const record of records) {
        const parent = record.target instanceof Element ? record.target : record.target.parentElement;
        stamp(parent?.closest('[data-testid="todo-text"]') ?? null, now);
        for (const node of record.addedNodes) {
          if (!(node instanceof Element)) continue;
          if (node.matches('[data-testid="todo-text"]')) stamp(node, now);
          for (const element of node.querySelectorAll('[data-testid="todo-text"]')) stamp(element, now);
        }
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
    // What the server rendered is on the page before this observer can see it being added.
    document.addEventListener('DOMContentLoaded', () => {
      for (const element of document.querySelectorAll('[data-testid="todo-text"]'))
        stamp(element, Date.now());
    });
  });
  await page.goto(url);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect.poll(() => feeds.length).toBeGreaterThan(0);
  return tab;
}
