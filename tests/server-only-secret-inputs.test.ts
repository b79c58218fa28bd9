/**
 * Issue 12 item 2: secret inputs (an action's `secret` fields, e.g. the user's own API key) never enter a synced row
 * or the change log, whichever generated procedure carries them: `actions.*`, `enqueue.*` (where it exists), a durable
 * run enqueued by server code (`ctx.enqueue`) or by a mutator (`tx.enqueueAction`), and the tools (copilot, MCP).
 * Data-driven over the registries, so a new action or field is covered without editing this file.
 */
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { providerSettings } from '@/db/schema';
import { actionRunSecrets, actionRuns, syncChanges } from '@/framework/server/schema';
import { mutators } from '@/mutators/registry';
import { actions } from '@/server/actions/registry';
import { createInnerContext } from '@/server/context';
import { appRouter, createCaller } from '@/server/routers/_app';
import { enqueueRun } from '@/framework/server/runtime/action-executor';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { UNEXPECTED_RUN_ERROR } from '@/framework/server/runtime/run-errors';
import { streamChanges } from './helpers/app-typed';
import type { Action } from '@/framework/server/runtime/define-action';
import { createServerTransaction } from '@/framework/server/runtime/server-transaction';
import { readSnapshot } from './helpers/app-typed';
import { claimApproval, recordApprovalRequest } from '@/framework/server/runtime/tool-approvals';
import { callTool, listTools } from '@/framework/server/runtime/tool-registry';
import { ensureUser } from '@/framework/server/users';
import { eventually } from './helpers/sync';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let queue: ActionQueue;
beforeAll(async () => {
  runtime = await createTestRuntime();
  queue = startActionQueue(runtime, { leaseMs: 5_000, retryBaseMs: 20 });
});
afterAll(async () => {
  await queue.stop();
  await runtime.close();
});

const registry = actions as unknown as Record<string, Action>;
const secretFields = (action: Action): readonly string[] => action.secret ?? [];
const withSecrets = Object.entries(registry).filter(([, action]) => secretFields(action).length > 0);
/** Field names that name a credential: such a field must be declared secret. */
const CREDENTIAL = /key|secret|token|password|credential/i;

function objectFields(schema: z.core.$ZodType): string[] {
  // Core's class: a mutator's `zod/mini` object as well as an action's full zod one.
  return schema instanceof z.core.$ZodObject ? Object.keys(schema._zod.def.shape) : [];
}

/**
 * A small valid input for a schema: the marker in secret fields, plain values elsewhere. Enough for this app's
 * actions; an action it cannot satisfy fails the test below with its name, asking for a sample here.
 */
function sampleInput(schema: z.ZodType, secret: readonly string[], marker: string): unknown {
  const sample = (current: z.ZodType): unknown => {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) return undefined;
    if (current instanceof z.ZodNullable) return null;
    if (current instanceof z.ZodObject) {
      return Object.fromEntries(
        Object.entries(current.shape as Record<string, z.ZodType>).map(([key, field]) => [
          key,
          secret.includes(key) ? marker : sample(field),
        ]),
      );
    }
    if (current instanceof z.ZodArray) return [sample(current.element as z.ZodType)];
    if (current instanceof z.ZodString)
      return current.format === 'uuid' ? crypto.randomUUID() : 'sample text';
    if (current instanceof z.ZodNumber) return 1;
    if (current instanceof z.ZodBoolean) return false;
    return undefined;
  };
  return sample(schema);
}

async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { user, caller: createCaller(createInnerContext({ runtime, user })) };
}

/** Everything synced about a user: their change log rows, their run rows, the snapshot and the feed from scratch. */
async function syncedSurfaces(userId: string) {
  const controller = new AbortController();
  const feed = await streamChanges(runtime, userId, null, controller.signal).next();
  controller.abort();
  return {
    sync_changes: await runtime.db.select().from(syncChanges).where(eq(syncChanges.ownerId, userId)),
    action_runs: await runtime.db.select().from(actionRuns).where(eq(actionRuns.ownerId, userId)),
    snapshot: await readSnapshot(runtime, userId),
    'feed (reset from version 0)': feed.value,
  };
}

function expectNoMarker(surfaces: Record<string, unknown>, marker: string) {
  for (const [surface, value] of Object.entries(surfaces)) {
    expect(JSON.stringify(superjson.serialize(value)).includes(marker), `${surface} holds the secret`).toBe(
      false,
    );
  }
}

describe('issue 12 item 2: secret inputs never enter a synced row', () => {
  it('item 2: every input field named like a credential is declared secret (mutators cannot take one)', () => {
    for (const [name, mutator] of Object.entries(mutators)) {
      expect(
        objectFields(mutator.input).filter((field) => CREDENTIAL.test(field)),
        `mutators.${name}`,
      ).toEqual([]);
    }
    for (const [name, action] of Object.entries(registry)) {
      const undeclared = objectFields(action.input).filter(
        (field) => CREDENTIAL.test(field) && !secretFields(action).includes(field),
      );
      expect(undeclared, `actions.${name}: declare these in \`secret\``).toEqual([]);
      for (const field of secretFields(action))
        expect(objectFields(action.input), `actions.${name}`).toContain(field);
    }
    expect(withSecrets.map(([name]) => name)).toContain('saveModelSettings');
  });

  it('item 2: saveModelSettings cannot be enqueued by clients at all', () => {
    const procedures = appRouter._def.procedures as Record<string, unknown>;
    expect(procedures['actions.saveModelSettings']).toBeDefined();
    expect(procedures['enqueue.saveModelSettings']).toBeUndefined();
    // Every other public action still has its enqueue procedure (an internal one has none at all).
    for (const [name, action] of Object.entries(registry)) {
      const isInternal = (action as { internal?: boolean }).internal === true;
      expect(Boolean(procedures[`enqueue.${name}`]), name).toBe(
        action.clientEnqueue !== false && !isInternal,
      );
    }
  });

  it.each(withSecrets)(
    'item 2: %s — through every procedure that takes it, the secret reaches the handler and no synced row',
    async (name, action) => {
      const { user, caller } = await newUser();
      const marker = `sk-marker-${crypto.randomUUID()}`;
      const input = sampleInput(action.input, secretFields(action), marker);
      expect(action.input.safeParse(input).success, `give ${name} a valid sample input in this test`).toBe(
        true,
      );
      const runIds: string[] = [];

      // actions.<name>: the direct call.
      const procedures = appRouter._def.procedures as Record<string, unknown>;
      const actionsRouter = caller.actions as unknown as Record<string, (input: unknown) => Promise<unknown>>;
      expectNoMarker({ 'actions result': await actionsRouter[name]?.(input) }, marker);

      // enqueue.<name>, where clients may enqueue it.
      if (procedures[`enqueue.${name}`]) {
        const enqueue = caller.enqueue as unknown as Record<
          string,
          (input: unknown) => Promise<{ runId: string }>
        >;
        runIds.push((await enqueue[name]?.(input))?.runId ?? 'missing');
      }
      // Server code: an action's ctx.enqueue (enqueueRun), and a mutator's tx.enqueueAction.
      runIds.push((await enqueueRun(runtime, user.id, name, input)).id);
      const fromMutator = await runtime.db.transaction((tx) =>
        createServerTransaction(runtime.app, tx, user.id, async () => {}).enqueueAction(name, input),
      );
      if (fromMutator) runIds.push(fromMutator);

      // The tool, where it is one (with a claimed approval when it needs one), on a page that offers it.
      const tool = ['/', '/settings', '/api/mcp']
        .map((path) => ({
          path,
          tools: listTools(runtime, { url: new URL(path, 'http://app.test'), properties: {}, user }),
        }))
        .find(({ tools }) => tools.some((candidate) => candidate.name === name));
      if (tool) {
        const descriptor = tool.tools.find((candidate) => candidate.name === name);
        const request = { approvalId: crypto.randomUUID(), userId: user.id, toolName: name, toolCallId: 'c' };
        await recordApprovalRequest(runtime.db, request);
        const grant = descriptor?.needsApproval ? await claimApproval(runtime.db, request) : undefined;
        const context = { url: new URL(tool.path, 'http://app.test'), properties: {}, user };
        const result = await callTool(
          runtime,
          name,
          input,
          context,
          new AbortController().signal,
          grant ?? undefined,
        );
        expectNoMarker({ 'tool result': result }, marker);
      }

      // The queued runs ran with the secret (merged back in server-side), and their secret rows are gone.
      for (const id of runIds) {
        await eventually(async () => {
          const [run] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, id));
          return run?.status === 'succeeded';
        }, `run ${id} of ${name} to succeed`);
      }
      expect(await runtime.db.select().from(actionRunSecrets)).toEqual([]);
      if (name === 'saveModelSettings') {
        const [settings] = await runtime.db
          .select()
          .from(providerSettings)
          .where(eq(providerSettings.userId, user.id));
        expect(settings?.apiKey).toBe(marker);
      }
      expectNoMarker(await syncedSurfaces(user.id), marker);
      // …and through tRPC, as a browser reads them.
      expectNoMarker({ 'sync.snapshot': await caller.sync.snapshot() }, marker);
    },
    30_000,
  );

  it('item 2: a run whose secret input is lost fails clearly instead of running without it', async () => {
    const { user } = await newUser();
    const marker = `sk-lost-${crypto.randomUUID()}`;
    const spy = vi.spyOn(actions.saveModelSettings, 'run');
    try {
      // Enqueued by server code, its secret row removed before the worker can read it.
      const run = await runtime.db.transaction(async (tx) => {
        const id = await createServerTransaction(runtime.app, tx, user.id, async () => {}).enqueueAction(
          'saveModelSettings',
          {
            model: null,
            systemPrompt: null,
            apiKey: marker,
          },
        );
        if (!id) throw new Error('expected a run id');
        await tx.delete(actionRunSecrets).where(eq(actionRunSecrets.runId, id));
        return id;
      });
      await enqueueRun(runtime, user.id, 'tidyUp', { delayMsPerTodo: 0 }); // A poke that wakes the worker.
      await eventually(async () => {
        const [row] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, run));
        return row?.status === 'failed';
      }, 'the run to fail');
      const [row] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, run));
      expect(row?.error).toMatch(/secret input of this run is no longer stored/);
      expect(row?.attempts).toBe(1);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('issue 12 item 3: an unexpected exception of a queued run is not synced verbatim', () => {
  it('item 3: the run row says our own words; the exception goes to the server log', async () => {
    const { user } = await newUser();
    const leaked = `sk-in-exception-${crypto.randomUUID()}`;
    const { TRPCError } = await import('@trpc/server');
    // A handler that wraps a driver or provider error without a message of its own: tRPC copies the cause's message.
    const spy = vi
      .spyOn(actions.tidyUp, 'run')
      .mockRejectedValue(
        new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error(`boom ${leaked}`) }),
      );
    const logs = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const run = await enqueueRun(runtime, user.id, 'tidyUp', { delayMsPerTodo: 0 });
      await eventually(async () => {
        const [row] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, run.id));
        return row?.status === 'failed';
      }, 'the run to fail');
      const [row] = await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, run.id));
      expect(row?.error).toBe(UNEXPECTED_RUN_ERROR);
      expectNoMarker(await syncedSurfaces(user.id), leaked);
      expect(JSON.stringify(logs.mock.calls.map((args) => args.map(String)))).toContain(leaked);
    } finally {
      spy.mockRestore();
      logs.mockRestore();
    }
  });
});
