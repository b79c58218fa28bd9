/**
 * (b) A change committed from tab A → tab B's DOM shows it. Both tabs are pages of one browser context (one user,
 * two stores with their own client ids). Times are epoch milliseconds (performance.timeOrigin + now()) taken in each
 * page; tab B's clock is corrected by an offset measured between the two pages before the run.
 *
 * The server commit itself is not observable from the browser, so it is bracketed:
 *   - A's click → B's DOM          includes A's request and the transaction: an upper bound of commit → DOM;
 *   - A's response (first byte) → B's DOM   starts after the commit (the server answers once committed), so it is
 *     a slight under-estimate, and may be negative when B's feed beats A's own response.
 */
import type { Browser, Page } from '@playwright/test';
import { firstTodoId, newProbedContext, openApp, type ProbedWindow } from '../support/browser';

const MUTATION_PATH = '/api/trpc/mutators.setTodoCompleted';
const WARM_UP = 3;
const TIMEOUT_MS = 10_000;

export interface CrossTabResult {
  /** A's click → B's DOM, ms. */
  clickToDom: number[];
  /** A's mutation response, first byte → B's DOM, ms. */
  responseToDom: number[];
  /** B received the feed message → B's DOM shows it, ms (one page's clock: no offset involved). */
  feedToDom: number[];
  /** A's click → A's response fully received, ms. */
  clickToResponse: number[];
  /** B's clock minus A's, and how precisely it is known (± ms). */
  clock: { offset: number; uncertainty: number };
  visibility: string;
  failures: string[];
}

interface ArmResult {
  ok: boolean;
  domAt: number;
  feedAt: number;
}
type ArmedWindow = ProbedWindow & { __benchArm?: Promise<ArmResult> };

/**
 * How tab A learns that its mutation committed: 'http' — the mutation's HTTP response (resource timing) and a
 * change-feed message (the app, the create-t3-app way); 'page' — the page counts server confirmations on
 * `window.__benchConfirm` (a peer that sends mutations over a WebSocket, such as Zero).
 */
export type Confirmation = 'http' | 'page';

/** What a 'page'-confirmation page keeps on window. Times are epoch ms. */
export type ConfirmingWindow = Window & { __benchConfirm?: { count: number; lastAt: number } };

interface ClickResult {
  ok: boolean;
  error: string;
  clickAt: number;
  responseStartAt: number;
  responseEndAt: number;
}

export async function measureCrossTab(
  browser: Browser,
  url: string,
  options: {
    samples: number;
    /** Part of the URL of the mutation tab A sends (a peer arm's differs from the app's). */
    mutationPath?: string;
    /** How tab A learns its mutation committed; see {@link Confirmation}. Default 'http'. */
    confirmation?: Confirmation;
  },
): Promise<CrossTabResult> {
  const mutationPath = options.mutationPath ?? MUTATION_PATH;
  const context = await newProbedContext(browser);
  const result: CrossTabResult = {
    clickToDom: [],
    responseToDom: [],
    feedToDom: [],
    clickToResponse: [],
    clock: { offset: 0, uncertainty: 0 },
    visibility: '',
    failures: [],
  };
  try {
    const tabA = await openApp(context, url);
    const tabB = await openApp(context, url);
    const id = await firstTodoId(tabA);
    result.clock = await clockOffset(tabA, tabB);
    const visibility = (page: Page) => page.evaluate(() => document.visibilityState);
    result.visibility = `A ${await visibility(tabA)}, B ${await visibility(tabB)}`;

    for (let i = 0; i < WARM_UP + options.samples; i++) {
      await tabB.evaluate(armObserver, { id, timeoutMs: TIMEOUT_MS });
      const click = await tabA.evaluate(clickAndSettle, {
        id,
        mutationPath,
        confirmation: options.confirmation ?? 'http',
        timeoutMs: TIMEOUT_MS,
      });
      const seen = await tabB.evaluate(() => (window as unknown as ArmedWindow).__benchArm);
      if (i < WARM_UP) continue;
      if (!click.ok || !seen?.ok) {
        result.failures.push(click.ok ? 'tab B never showed the change' : click.error);
        continue;
      }
      const domAt = seen.domAt - result.clock.offset;
      result.clickToDom.push(domAt - click.clickAt);
      result.responseToDom.push(domAt - click.responseStartAt);
      // Only pages whose feed is an EventSource report when it delivered (a WebSocket peer does not).
      if (seen.feedAt > 0) result.feedToDom.push(seen.domAt - seen.feedAt);
      result.clickToResponse.push(click.responseEndAt - click.clickAt);
    }
  } finally {
    await context.close();
  }
  return result;
}

/**
 * B's clock minus A's (epoch ms, `performance.timeOrigin + now()` in each page). NTP-style: read A, B, A in turn;
 * B's reading belongs to the midpoint of A's two. The tightest of a few tries wins, and half its bracket is the
 * uncertainty. Also used by bench/keypress.ts.
 */
export async function clockOffset(tabA: Page, tabB: Page): Promise<{ offset: number; uncertainty: number }> {
  const now = (page: Page) => page.evaluate(() => performance.timeOrigin + performance.now());
  let best = { offset: 0, uncertainty: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 30; i++) {
    const before = await now(tabA);
    const b = await now(tabB);
    const after = await now(tabA);
    const uncertainty = (after - before) / 2;
    if (uncertainty < best.uncertainty) best = { offset: b - (before + after) / 2, uncertainty };
  }
  return best;
}

/** Runs in tab B: starts watching the todo for the state tab A is about to set; the promise is kept on window. */
function armObserver(input: { id: string; timeoutMs: number }): void {
  const w = window as unknown as ArmedWindow;
  const item = document.querySelector<HTMLElement>(`[data-testid="todo-item"][data-id="${input.id}"]`);
  if (!item) {
    w.__benchArm = Promise.resolve({ ok: false, domAt: 0, feedAt: 0 });
    return;
  }
  const want = !item.classList.contains('done');
  w.__benchArm = new Promise<ArmResult>((resolve) => {
    const observer = new MutationObserver(() => {
      if (item.classList.contains('done') !== want) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve({ ok: true, domAt: performance.timeOrigin + performance.now(), feedAt: w.__bench.lastFeedAt });
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      resolve({ ok: false, domAt: 0, feedAt: 0 });
    }, input.timeoutMs);
    observer.observe(item, { attributes: true, attributeFilter: ['class'] });
  });
}

/** Runs in tab A: toggles the todo, then waits for its own answer and feed confirmation (so samples never overlap). */
async function clickAndSettle(input: {
  id: string;
  mutationPath: string;
  confirmation: Confirmation;
  timeoutMs: number;
}): Promise<ClickResult> {
  const failed = (error: string): ClickResult => ({
    ok: false,
    error,
    clickAt: 0,
    responseStartAt: 0,
    responseEndAt: 0,
  });
  const probe = (window as unknown as ProbedWindow).__bench;
  const checkbox = document.querySelector<HTMLInputElement>(
    `[data-testid="todo-item"][data-id="${input.id}"] input.check`,
  );
  if (!checkbox) return failed('the todo is not on tab A');
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

  const clickAt = performance.timeOrigin + performance.now();
  checkbox.click();
  const deadline = performance.now() + input.timeoutMs;
  if (input.confirmation === 'page') {
    while (performance.now() < deadline && confirmations().count <= confirmedBefore) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (confirmations().count <= confirmedBefore) return failed('tab A got no server confirmation');
    const at = confirmations().lastAt;
    return { ok: true, error: '', clickAt, responseStartAt: at, responseEndAt: at };
  }
  while (performance.now() < deadline) {
    if (responses().length > responsesBefore && probe.feedMessages > feedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const answer = responses().at(-1);
  if (responses().length <= responsesBefore || !answer) return failed('tab A got no answer to its mutation');
  if (probe.feedMessages <= feedBefore) return failed('tab A got no feed confirmation');
  return {
    ok: true,
    error: '',
    clickAt,
    responseStartAt: performance.timeOrigin + answer.responseStart,
    responseEndAt: performance.timeOrigin + answer.responseEnd,
  };
}
