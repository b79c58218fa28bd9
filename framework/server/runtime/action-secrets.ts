/**
 * Secret inputs of enqueued runs (an action's `secret` fields). `action_runs` is synced, so its `input` would carry
 * an API key to every tab and into the change log forever (docs/architecture.md rule 10). Instead the secret fields
 * go to the server-only `action_run_secrets` table in the same transaction as the run, the worker merges them back
 * in, and the row goes when the run finishes. Results and errors of such runs are scrubbed of the secret values too.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { actionRunSecrets, type ActionRun } from '../schema';
import type { Action } from './define-action';
import type { Queryable } from './synced-table';

/** An action's input split into what the synced run row may show and what only the server keeps. */
export interface SplitInput {
  stored: unknown;
  /** Null when the action declares no secret fields (then nothing is written to action_run_secrets). */
  secret: Record<string, unknown> | null;
}

/** Moves the action's `secret` fields out of an (already validated) input. */
export function splitSecretInput(action: Pick<Action, 'secret'>, input: unknown): SplitInput {
  const fields = action.secret ?? [];
  if (fields.length === 0) return { stored: input, secret: null };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('An action with secret fields must take an object input');
  }
  const stored: Record<string, unknown> = { ...input };
  const secret: Record<string, unknown> = {};
  for (const field of fields) {
    if (!Object.hasOwn(stored, field)) continue;
    secret[field] = stored[field];
    delete stored[field];
  }
  return { stored, secret };
}

/**
 * Stores a run's secret fields (in the transaction that inserts the run). Written even when empty, so that a
 * missing row always means "lost", never "there was nothing".
 */
export async function saveRunSecrets(db: Queryable, runId: string, secret: SplitInput['secret']) {
  if (secret === null) return;
  await db.insert(actionRunSecrets).values({ runId, input: secret });
}

/** Deletes a finished run's secret fields. */
export async function deleteRunSecrets(db: Queryable, runId: string) {
  await db.delete(actionRunSecrets).where(eq(actionRunSecrets.runId, runId));
}

/** The input the worker runs with (the synced part plus the secret part), and the secret values to scrub. */
export async function loadRunInput(
  db: Queryable,
  action: Pick<Action, 'secret'>,
  run: Pick<ActionRun, 'id' | 'input'>,
): Promise<{ input: unknown; secrets: string[] }> {
  if (!action.secret?.length) return { input: run.input, secrets: [] };
  const [row] = await db
    .select({ input: actionRunSecrets.input })
    .from(actionRunSecrets)
    .where(eq(actionRunSecrets.runId, run.id));
  if (!row) {
    // Never run without them: a key silently missing would act differently from what the user asked for.
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'The secret input of this run is no longer stored: start it again',
    });
  }
  const secret = row.input as Record<string, unknown>;
  return { input: { ...(run.input as object), ...secret }, secrets: secretStrings(secret) };
}

/** Shorter strings would scrub ordinary words out of results; a real secret is longer. */
const MIN_SCRUBBED_LENGTH = 4;

function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.length >= MIN_SCRUBBED_LENGTH ? [value] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(secretStrings);
}

export const REDACTED = '[redacted]';

/** `value` (JSON-like) with every occurrence of each secret string replaced, in strings and keys alike. */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const scrub = (text: string) => secrets.reduce((out, secret) => out.replaceAll(secret, REDACTED), text);
  const walk = (current: unknown): unknown => {
    if (typeof current === 'string') return scrub(current);
    if (Array.isArray(current)) return current.map(walk);
    if (typeof current === 'object' && current !== null && !(current instanceof Date)) {
      return Object.fromEntries(Object.entries(current).map(([key, child]) => [scrub(key), walk(child)]));
    }
    return current;
  };
  return walk(value) as T;
}
