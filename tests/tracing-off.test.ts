/**
 * Tracing off, as in a process without OTEL_* variables: no tracer provider is registered (this file registers
 * none), so spans are the API's no-op ones, nothing is stored with an action run, and a span costs next to nothing.
 */
import { trace } from '@opentelemetry/api';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRuns } from '@/framework/server/schema';
import { enqueueRun } from '@/framework/server/runtime/action-executor';
import { startActionQueue, type ActionQueue } from '@/framework/server/runtime/action-queue';
import { tracingConfigured } from '@/framework/server/telemetry/register';
import { runTraceParent } from '@/framework/server/telemetry/run-traces';
import { currentTraceParent, withSpan } from '@/framework/server/telemetry/tracing';
import { ensureUser } from '@/framework/server/users';
import { createTestRuntime } from './helpers/test-database';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let queue: ActionQueue;

beforeAll(async () => {
  runtime = await createTestRuntime();
  queue = startActionQueue(runtime);
});
afterAll(async () => {
  await queue?.stop();
  await runtime?.close();
});

describe('tracing off', () => {
  it('is off unless an OTEL_* exporter is configured', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(
      true,
    );
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      tracingConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBe(false);
    expect(
      tracingConfigured({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBe(false);
  });

  it('stores no trace context with a run, and the run still runs', async () => {
    const userId = crypto.randomUUID();
    await ensureUser(runtime, userId);
    const run = await withSpan('outer', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceParent()).toBeNull();
      return enqueueRun(runtime, userId, 'addTodos', {
        items: [{ id: crypto.randomUUID(), text: 'untraced', position: 1 }],
        createdAt: new Date(),
      });
    });
    expect(await runTraceParent(runtime.db, run.id)).toBeNull();
    await expect
      .poll(
        async () => (await runtime.db.select().from(actionRuns).where(eq(actionRuns.id, run.id)))[0]?.status,
        {
          timeout: 10_000,
        },
      )
      .toBe('succeeded');
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('a span costs a few microseconds at most', () => {
    const count = 200_000;
    let sum = 0;
    const started = performance.now();
    for (let i = 0; i < count; i++) sum += withSpan('span', { attributes: { i } }, () => i);
    const perSpanUs = ((performance.now() - started) * 1_000) / count;
    console.log(`[tracing off] ${perSpanUs.toFixed(3)} µs per withSpan (${count} spans)`);
    expect(sum).toBe((count * (count - 1)) / 2);
    // Loose, for a loaded 2-core CI machine: a mutation costs milliseconds, so even this is noise.
    expect(perSpanUs).toBeLessThan(10);
  });
});
