/**
 * Keypress in tab A → the change in tab B's DOM, driven from outside: one user, two tabs (pages of one browser
 * context) on `/`, A in front. Each sample types a unique text into A's "New todo" box (not timed), then presses
 * Enter through Playwright (a real key event from the browser's input pipeline: one keypress, one addTodo) and
 * reads, each in the page where it happens:
 *   A: the key event's timestamp and the moment A's capturing keydown listener ran, A's own (optimistic) DOM,
 *      the mutation's Resource Timing (request start, first byte of the answer), A's feed confirmation;
 *   B: the feed message that carried the change, and B's DOM showing it (a MutationObserver).
 * Then it deletes the todo from A and waits until both tabs have settled, so every sample starts from the same
 * list (the seeded todos) and no request is in flight.
 */
import type { Browser, Page } from '@playwright/test';
import { newProbedContext, openApp, type ProbedWindow } from '../support/browser';
import { clockOffset } from '../data-path/cross-tab';
import type { KeypressTimes } from './segments';

const ADD_PATH = '/api/trpc/mutators.addTodo';
const DELETE_PATH = '/api/trpc/mutators.deleteTodo';
const TIMEOUT_MS = 10_000;

export interface KeypressResult {
  /** Measured samples (warm-up excluded), each on its own page's clock; see segments.ts. */
  samples: KeypressTimes[];
  /** B's clock minus A's, and how precisely it is known (± ms). */
  clock: { offset: number; uncertainty: number };
  /** document.visibilityState of each tab during the run. */
  visibility: string;
  failures: string[];
}

/** A's side of one sample, as the page reports it. */
type ASide =
  | {
      ok: true;
      keyEventAt: number;
      keydownAt: number;
      aDomAt: number;
      requestStartAt: number;
      responseStartAt: number;
    }
  | { ok: false; error: string };

/** B's side of one sample. */
type BSide = { ok: true; bDomAt: number; bFeedAt: number } | { ok: false; error: string };

type KeypressWindow = ProbedWindow & { __keypressA?: Promise<ASide>; __keypressB?: Promise<BSide> };

export async function measureKeypress(
  browser: Browser,
  url: string,
  options: { samples: number; warmUp: number },
): Promise<KeypressResult> {
  const context = await newProbedContext(browser);
  const result: KeypressResult = {
    samples: [],
    clock: { offset: 0, uncertainty: 0 },
    visibility: '',
    failures: [],
  };
  try {
    const tabA = await openApp(context, url);
    const tabB = await openApp(context, url);
    // Opening B put it in front; the user types in A.
    await tabA.bringToFront();
    result.clock = await clockOffset(tabA, tabB);
    const visibility = (page: Page) => page.evaluate(() => document.visibilityState);
    result.visibility = `A ${await visibility(tabA)}, B ${await visibility(tabB)}`;
    const box = tabA.getByLabel('New todo', { exact: true });
    const nonce = Math.random().toString(36).slice(2, 8);

    for (let i = 0; i < options.warmUp + options.samples; i++) {
      const text = `keypress ${nonce} ${i}`;
      await tabB.evaluate(armB, { text, timeoutMs: TIMEOUT_MS });
      await tabA.evaluate(armA, { text, mutationPath: ADD_PATH, timeoutMs: TIMEOUT_MS });
      // Typing is not timed: only the Enter that submits it. Wait for React to have the text (the Add button
      // enables), so that the Enter submits this text.
      await box.fill(text);
      await tabA.waitForFunction(
        () => !document.querySelector<HTMLButtonElement>('form.add-form button[type="submit"]')?.disabled,
        undefined,
        { timeout: TIMEOUT_MS },
      );
      await tabA.keyboard.press('Enter');
      const a = await tabA.evaluate(() => (window as unknown as KeypressWindow).__keypressA);
      const b = await tabB.evaluate(() => (window as unknown as KeypressWindow).__keypressB);
      const failure = !a?.ok
        ? (a?.error ?? 'tab A was not armed')
        : !b?.ok
          ? (b?.error ?? 'tab B was not armed')
          : null;
      // Every sample must start from the same list with nothing in flight: a todo that cannot be removed ends
      // the run (with the sample's own failure, which is usually why).
      const removal = await removeTodo(tabA, tabB, text);
      if (removal !== '') {
        throw new Error(
          `could not remove sample ${i}'s todo: ${removal}` + (failure ? ` (the sample: ${failure})` : ''),
        );
      }
      if (i < options.warmUp) continue;
      if (failure !== null || !a?.ok || !b?.ok) {
        result.failures.push(failure ?? 'unknown');
        continue;
      }
      result.samples.push({
        keyEventAt: a.keyEventAt,
        keydownAt: a.keydownAt,
        aDomAt: a.aDomAt,
        requestStartAt: a.requestStartAt,
        responseStartAt: a.responseStartAt,
        bFeedAt: b.bFeedAt,
        bDomAt: b.bDomAt,
      });
    }
  } finally {
    await context.close();
  }
  return result;
}

/**
 * Deletes the sample's todo from A and waits until A has its answer and confirmation and B no longer shows it.
 * '' when done, otherwise what went wrong.
 */
async function removeTodo(tabA: Page, tabB: Page, text: string): Promise<string> {
  const removed = await tabA.evaluate(deleteAndSettle, {
    text,
    mutationPath: DELETE_PATH,
    timeoutMs: TIMEOUT_MS,
  });
  if (removed !== '') return removed;
  await tabB.waitForFunction(
    (gone) =>
      !Array.from(document.querySelectorAll('[data-testid="todo-text"]')).some(
        (el) => el.textContent === gone,
      ),
    text,
    { timeout: TIMEOUT_MS, polling: 5 },
  );
  return '';
}

/** Runs in tab B: starts watching for the todo with `text`; the promise is kept on window. */
function armB(input: { text: string; timeoutMs: number }): void {
  const w = window as unknown as KeypressWindow;
  const probe = w.__bench;
  const feedBefore = probe.feedMessages;
  const shows = () =>
    Array.from(document.querySelectorAll('[data-testid="todo-text"]')).some(
      (el) => el.textContent === input.text,
    );
  w.__keypressB = new Promise<BSide>((resolve) => {
    const observer = new MutationObserver(() => {
      if (!shows()) return;
      const bDomAt = performance.timeOrigin + performance.now();
      observer.disconnect();
      clearTimeout(timer);
      // The message that carried the change is the latest one: samples never overlap (each ends settled).
      resolve(
        probe.feedMessages > feedBefore
          ? { ok: true, bDomAt, bFeedAt: probe.lastFeedAt }
          : { ok: false, error: 'tab B showed the todo before any feed message' },
      );
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      resolve({ ok: false, error: 'tab B never showed the todo' });
    }, input.timeoutMs);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

/**
 * Runs in tab A before the keypress: a capturing keydown listener (the first Enter), a MutationObserver for A's
 * own DOM, then — once both fired — waits for the mutation's Resource Timing entry and A's feed confirmation.
 */
function armA(input: { text: string; mutationPath: string; timeoutMs: number }): void {
  const w = window as unknown as KeypressWindow;
  const probe = w.__bench;
  const feedBefore = probe.feedMessages;
  const now = () => performance.timeOrigin + performance.now();
  const shows = () =>
    Array.from(document.querySelectorAll('[data-testid="todo-text"]')).some(
      (el) => el.textContent === input.text,
    );
  let keyEventAt = 0;
  let keydownAt = 0;
  let aDomAt = 0;
  const onKeydown = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || keydownAt > 0) return;
    keydownAt = now();
    keyEventAt = performance.timeOrigin + event.timeStamp;
  };
  window.addEventListener('keydown', onKeydown, { capture: true });
  const observer = new MutationObserver(() => {
    if (aDomAt === 0 && shows()) aDomAt = now();
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });

  const request = () =>
    performance
      .getEntriesByType('resource')
      .find(
        (entry): entry is PerformanceResourceTiming =>
          entry instanceof PerformanceResourceTiming &&
          entry.name.includes(input.mutationPath) &&
          keydownAt > 0 &&
          performance.timeOrigin + entry.startTime >= keydownAt,
      );
  const deadline = performance.now() + input.timeoutMs;
  w.__keypressA = (async (): Promise<ASide> => {
    try {
      // Resource Timing entries appear once the response has ended; the feed confirms the commit to A itself.
      while (performance.now() < deadline) {
        if (keydownAt > 0 && aDomAt > 0 && request() && probe.feedMessages > feedBefore) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const entry = request();
      if (keydownAt === 0) return { ok: false, error: 'tab A saw no Enter keydown' };
      if (aDomAt === 0) return { ok: false, error: 'tab A never showed its own todo' };
      if (!entry) return { ok: false, error: 'tab A sent no addTodo request' };
      if (probe.feedMessages <= feedBefore) return { ok: false, error: 'tab A got no feed confirmation' };
      return {
        ok: true,
        keyEventAt,
        keydownAt,
        aDomAt,
        requestStartAt: performance.timeOrigin + entry.startTime,
        responseStartAt: performance.timeOrigin + entry.responseStart,
      };
    } finally {
      window.removeEventListener('keydown', onKeydown, { capture: true });
      observer.disconnect();
    }
  })();
}

/** Runs in tab A: deletes the todo with `text` and waits for the answer and A's feed confirmation; '' when done. */
async function deleteAndSettle(input: {
  text: string;
  mutationPath: string;
  timeoutMs: number;
}): Promise<string> {
  const probe = (window as unknown as ProbedWindow).__bench;
  const item = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="todo-item"]')).find(
    (li) => li.querySelector('[data-testid="todo-text"]')?.textContent === input.text,
  );
  const button = item?.querySelector<HTMLButtonElement>('button.delete');
  if (!button) return 'the todo is not on tab A';
  const answers = () =>
    performance
      .getEntriesByType('resource')
      .filter(
        (entry) => entry instanceof PerformanceResourceTiming && entry.name.includes(input.mutationPath),
      ).length;
  const answersBefore = answers();
  const feedBefore = probe.feedMessages;
  button.click();
  const deadline = performance.now() + input.timeoutMs;
  while (performance.now() < deadline) {
    if (answers() > answersBefore && probe.feedMessages > feedBefore) return '';
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return answers() > answersBefore ? 'no feed confirmation of the delete' : 'no answer to the delete';
}
