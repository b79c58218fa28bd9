/**
 * Actions on the fixture app: a direct call through the generated `actions.<name>` procedure (writing through
 * `ctx.mutate`), a durable run through `enqueue.<name>` executed by the queue with its progress, and internal
 * procedures: server code runs them, clients cannot reach them.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startActionQueue, type ActionQueue, type RunOutcome, type Runtime } from '@/framework/server';
import { actionRuns } from '@/framework/server/schema';
import { newUser } from './fixture/clients';
import { notes } from './fixture/schema';
import { createFixtureRuntime, fixtureServer } from './fixture/server';

let runtime: Runtime;
let queue: ActionQueue;
/** Runs the queue settled, by id: the test awaits the settlement instead of polling the table. */
const settled = new Map<string, (outcome: RunOutcome) => void>();
const settledOutcomes = new Map<string, RunOutcome>();

function whenSettled(runId: string): Promise<RunOutcome> {
  const known = settledOutcomes.get(runId);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => settled.set(runId, resolve));
}

beforeAll(async () => {
  runtime = await createFixtureRuntime();
  queue = startActionQueue(runtime, {
    retryBaseMs: 10,
    onSettled(run, outcome) {
      settledOutcomes.set(run.id, outcome);
      settled.get(run.id)?.(outcome);
    },
  });
});
afterAll(async () => {
  await queue.stop();
  await runtime.close();
});

const note = (text: string, position = 1) => ({ id: crypto.randomUUID(), text, position });

describe('actions on the fixture app', () => {
  it('a call through actions.<name> writes through ctx.mutate and answers its checked output', async () => {
    const { userId, caller } = await newUser(runtime);
    const batch = [note('one'), note('two', 2)];
    expect(await caller.actions.addNotes({ notes: batch })).toEqual({ added: 2 });
    const rows = await runtime.db.select().from(notes).where(eq(notes.ownerId, userId));
    expect(rows.map((row) => row.text).toSorted()).toEqual(['Welcome to the fixture', 'one', 'two']);
  });

  it('refuses bad action input with BAD_REQUEST naming the field, before anything runs', async () => {
    const { userId, caller } = await newUser(runtime);
    await expect(
      caller.actions.addNotes({ notes: [note('fine'), { ...note('bad'), id: 'nope' }] }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { issues: [expect.objectContaining({ path: ['notes', 1, 'id'] })] },
    });
    expect(await runtime.db.select().from(notes).where(eq(notes.ownerId, userId))).toHaveLength(1);
  });

  it('enqueue.<name> makes a durable run that the queue executes, with progress and result on the run row', async () => {
    const { userId, caller } = await newUser(runtime);
    const { runId: id } = await caller.enqueue.addNotes({ notes: [note('queued a'), note('queued b', 2)] });
    expect(await whenSettled(id)).toBe('succeeded');
    const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, id));
    expect(run).toMatchObject({
      ownerId: userId,
      action: 'addNotes',
      status: 'succeeded',
      progress: 1,
      result: { added: 2 },
    });
    const texts = (await runtime.db.select().from(notes).where(eq(notes.ownerId, userId))).map((r) => r.text);
    expect(texts).toEqual(expect.arrayContaining(['queued a', 'queued b']));
  });
});

describe('internal procedures', () => {
  it('are not procedures clients can call: mutators.<internal>, actions.<internal>, enqueue.<internal> are NOT_FOUND', async () => {
    const { userId, caller } = await newUser(runtime);
    const [welcome] = await runtime.db.select().from(notes).where(eq(notes.ownerId, userId));
    if (!welcome) throw new Error('no welcome note');
    const input = { id: welcome.id, at: new Date() };
    // @ts-expect-error -- an internal mutator has no procedure, so the router's type has none either
    const mutatorCall: unknown = caller.mutators.stampNote;
    // @ts-expect-error -- nor an internal action
    const actionCall: unknown = caller.actions.stampNoteLater;
    // @ts-expect-error -- nor its enqueue procedure
    const enqueueCall: unknown = caller.enqueue.stampNoteLater;
    for (const call of [mutatorCall, actionCall, enqueueCall]) {
      const attempt = (call as (input: unknown) => Promise<unknown>)({ args: input, ...input });
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    const [after] = await runtime.db.select().from(notes).where(eq(notes.id, welcome.id));
    expect(after?.stampedAt).toBeNull();
  });

  it('run from server code: an internal action calls an internal mutator with ctx.mutate, directly and queued', async () => {
    const { userId } = await newUser(runtime);
    const [welcome] = await runtime.db.select().from(notes).where(eq(notes.ownerId, userId));
    if (!welcome) throw new Error('no welcome note');
    const at = new Date('2026-01-02T03:04:05Z');
    const signal = new AbortController().signal;
    expect(
      await fixtureServer.callAction(runtime, 'stampNoteLater', { id: welcome.id, at }, { userId, signal }),
    ).toEqual({ ok: true });
    const [stamped] = await runtime.db.select().from(notes).where(eq(notes.id, welcome.id));
    expect(stamped?.stampedAt?.toISOString()).toBe(at.toISOString());

    const later = new Date('2026-02-03T04:05:06Z');
    const runId = await fixtureServer.enqueueAction(runtime, userId, 'stampNoteLater', {
      id: welcome.id,
      at: later,
    });
    expect(await whenSettled(runId)).toBe('succeeded');
    const [restamped] = await runtime.db.select().from(notes).where(eq(notes.id, welcome.id));
    expect(restamped?.stampedAt?.toISOString()).toBe(later.toISOString());
  });
});
