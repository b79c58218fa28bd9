/**
 * Runaway tool loops: a model that calls the same tool with the same input three times in a row is stuck (it does
 * not read its results, or a result does not satisfy it). The third call does not run; the turn stops, and the
 * panel says why (CopilotNotice `repeated-call`).
 */
import 'server-only';

/** How many identical calls in a row stop the turn. */
export const MAX_IDENTICAL_CALLS = 3;

/** Thrown instead of running the call that repeats; its message is written for the model and the panel. */
export class RepeatedCallError extends Error {}

/** JSON with sorted keys, so `{a, b}` and `{b, a}` are the same input. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([left], [right]) => left.localeCompare(right)))
      : inner,
  );
}

export interface RepeatGuard {
  /** Records a call; throws {@link RepeatedCallError} when it is the {@link MAX_IDENTICAL_CALLS}th identical one. */
  check(name: string, input: unknown): void;
  /** The stopped call's description, once one was stopped (for the notice). */
  readonly stopped: string | null;
}

/** One guard per chat request (a turn). */
export function createRepeatGuard(): RepeatGuard {
  let last = '';
  let repeats = 0;
  let stopped: string | null = null;
  return {
    check(name, input) {
      const key = `${name} ${canonical(input ?? null)}`;
      repeats = key === last ? repeats + 1 : 1;
      last = key;
      if (repeats >= MAX_IDENTICAL_CALLS || stopped) {
        stopped ??= `${name} was called with the same input ${MAX_IDENTICAL_CALLS} times in a row`;
        throw new RepeatedCallError(
          `Stopped: ${stopped}, so this call did not run. Ask the user what to do instead.`,
        );
      }
    },
    get stopped() {
      return stopped;
    },
  };
}
