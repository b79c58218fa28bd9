/**
 * (a) Click → optimistic DOM update while the server is slow. The browser context asks the server to hold every
 * mutation for `delayMs` (x-test-delay-ms, honoured only with ALLOW_TEST_DELAY=1), so anything that waited for
 * the server would show up as ≥ delayMs. Both timestamps are taken in the page (performance.now()), around a click
 * dispatched from inside the page, so no Playwright round trip is in the figure.
 */
import type { Browser } from '@playwright/test';
import { newProbedContext, firstTodoId, openApp, type ProbedWindow } from '../support/browser';
import type { Confirmation, ConfirmingWindow } from './cross-tab';

/** server/context.ts's TEST_DELAY_HEADER (not imported: that module is server-only). */
const TEST_DELAY_HEADER = 'x-test-delay-ms';
/** server/context.ts's TEST_DELAY_TOKEN_HEADER: the production build holds only requests carrying the token. */
const TEST_DELAY_TOKEN_HEADER = 'x-test-delay-token';
const MUTATION_PATH = '/api/trpc/mutators.setTodoCompleted';
const WARM_UP = 3;

export interface OptimisticResult {
  delayMs: number;
  /** Click → the todo's DOM shows the new state (MutationObserver on its class), ms. */
  dom: number[];
  /** Click → the first animation frame after that DOM change (the frame that paints it), ms. */
  frame: number[];
  /** Click → the server's answer and the feed's confirmation have both arrived, ms. */
  settled: number[];
  /** Samples whose DOM, once settled, no longer showed the clicked state (a rollback or flicker back). */
  revertedAfterSettle: number;
  failures: string[];
}

type Sample =
  | { ok: true; dom: number; frame: number; settled: number; stillShown: boolean }
  | { ok: false; error: string };

export async function measureOptimisticUpdate(
  browser: Browser,
  url: string,
  options: {
    samples: number;
    delayMs: number;
    delayToken: string;
    /** Part of the URL of the mutation a click sends (a peer arm's differs from the app's). */
    mutationPath?: string;
    /** How the page learns its mutation committed (cross-tab.ts's Confirmation). Default 'http'. */
    confirmation?: Confirmation;
  },
): Promise<OptimisticResult> {
  const context = await newProbedContext(browser, {
    extraHTTPHeaders: {
      [TEST_DELAY_HEADER]: String(options.delayMs),
      [TEST_DELAY_TOKEN_HEADER]: options.delayToken,
    },
  });
  const result: OptimisticResult = {
    delayMs: options.delayMs,
    dom: [],
    frame: [],
    settled: [],
    revertedAfterSettle: 0,
    failures: [],
  };
  try {
    const page = await openApp(context, url);
    const id = await firstTodoId(page);
    for (let i = 0; i < WARM_UP + options.samples; i++) {
      const sample: Sample = await page.evaluate(clickAndWatch, {
        id,
        mutationPath: options.mutationPath ?? MUTATION_PATH,
        confirmation: options.confirmation ?? 'http',
        timeoutMs: options.delayMs + 5_000,
      });
      if (i < WARM_UP) continue;
      if (!sample.ok) {
        result.failures.push(sample.error);
        continue;
      }
      result.dom.push(sample.dom);
      result.frame.push(sample.frame);
      result.settled.push(sample.settled);
      if (!sample.stillShown) result.revertedAfterSettle++;
    }
  } finally {
    await context.close();
  }
  return result;
}

/** Runs in the page: toggles the todo's checkbox and times the DOM change, the next frame and the settling. */
async function clickAndWatch(input: {
  id: string;
  mutationPath: string;
  confirmation: Confirmation;
  timeoutMs: number;
}): Promise<Sample> {
  const probe = (window as unknown as ProbedWindow).__bench;
  const item = document.querySelector<HTMLElement>(`[data-testid="todo-item"][data-id="${input.id}"]`);
  const checkbox = item?.querySelector<HTMLInputElement>('input.check');
  if (!item || !checkbox) return { ok: false, error: 'the todo is not on the page' };
  // Not checkbox.checked: the browser flips that natively on click, before the app does anything.
  const want = !item.classList.contains('done');
  const responses = () =>
    performance
      .getEntriesByType('resource')
      .filter(
        (entry): entry is PerformanceResourceTiming =>
          entry instanceof PerformanceResourceTiming && entry.name.includes(input.mutationPath),
      );
  const responsesBefore = responses().length;
  const feedBefore = probe.feedMessages;
  const confirmations = () => (window as ConfirmingWindow).__benchConfirm ?? { count: 0, lastAt: 0 };
  const confirmedBefore = confirmations().count;

  let observer: MutationObserver | undefined;
  const shown = new Promise<number>((resolve) => {
    observer = new MutationObserver(() => {
      if (item.classList.contains('done') === want) resolve(performance.now());
    });
    observer.observe(item, { attributes: true, attributeFilter: ['class'] });
  });
  const timeout = (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), ms));

  const start = performance.now();
  checkbox.click();
  const domAt = await Promise.race([shown, timeout(input.timeoutMs)]);
  observer?.disconnect();
  if (Number.isNaN(domAt)) return { ok: false, error: 'the DOM never showed the clicked state' };
  const frameAt = await new Promise<number>((resolve) =>
    requestAnimationFrame(() => resolve(performance.now())),
  );

  const deadline = start + input.timeoutMs;
  if (input.confirmation === 'page') {
    while (performance.now() < deadline && confirmations().count <= confirmedBefore) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (confirmations().count <= confirmedBefore) {
      return { ok: false, error: 'the mutation did not settle (no server confirmation)' };
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return {
      ok: true,
      dom: domAt - start,
      frame: frameAt - start,
      settled: confirmations().lastAt - performance.timeOrigin - start,
      stillShown: item.classList.contains('done') === want,
    };
  }
  // Settled: the mutation's HTTP answer and a feed message since the click have both arrived.
  while (performance.now() < deadline) {
    if (responses().length > responsesBefore && probe.feedMessages > feedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const answer = responses().at(-1);
  if (responses().length <= responsesBefore || !answer || probe.feedMessages <= feedBefore) {
    return { ok: false, error: 'the mutation did not settle (no answer or no feed message)' };
  }
  const settledAt = Math.max(answer.responseEnd, probe.lastFeedAt - performance.timeOrigin);
  // Let React apply the confirmation before checking that the clicked state stayed.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return {
    ok: true,
    dom: domAt - start,
    frame: frameAt - start,
    settled: settledAt - start,
    stillShown: item.classList.contains('done') === want,
  };
}
