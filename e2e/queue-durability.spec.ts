/**
 * The queue survives a crash: 100 runs enqueued, the server SIGKILLed while they run, started again — every run
 * ends succeeded, none is lost, and none ran more than once past the crash (attempts ≤ 2).
 */
import { expect, test } from '@playwright/test';
import { createClient } from '@/client/create-client';
import { newSessionCookie, startNextServer, tempPgliteDir } from './support/next-server';

const PORT = 3185;
const RUNS = 100;

test('enqueued runs survive a SIGKILL of the server', async () => {
  test.setTimeout(180_000);
  const dataDir = tempPgliteDir('durability');
  const env = { PGLITE_DIR: dataDir, ACTION_LEASE_MS: '2000' };
  let server = await startNextServer(PORT, env);
  try {
    const sessionCookie = await newSessionCookie(server.url);
    const client = createClient({ url: server.url, sessionCookie });
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++)
      runIds.push((await client.enqueue.tidyUp.mutate({ delayMsPerTodo: 30 })).runId);

    // Let some runs finish and some be mid-flight, then crash.
    await expect
      .poll(
        async () =>
          (await client.sync.snapshot.query()).tables.actionRuns.filter((r) => r.status === 'succeeded')
            .length,
        {
          timeout: 30_000,
          intervals: [100],
        },
      )
      .toBeGreaterThan(5);
    await server.crash();

    server = await startNextServer(PORT, env);
    const restarted = createClient({ url: server.url, sessionCookie });
    // Each run by its id: the snapshot carries only unfinished runs and the latest finished ones (retention).
    const readRuns = () => Promise.all(runIds.map((id) => restarted.runs.byId.query({ id })));
    await expect
      .poll(async () => (await readRuns()).filter((run) => run.status === 'succeeded').length, {
        timeout: 120_000,
        intervals: [500],
      })
      .toBe(RUNS);
    const runs = await readRuns();
    expect(runs.map((run) => run.id).sort()).toEqual([...runIds].sort());
    expect(runs.every((run) => run.attempts >= 1 && run.attempts <= 2)).toBe(true);
    // The crash caught runs mid-flight: those were taken over after their lease expired, and finished.
    expect(runs.filter((run) => run.attempts === 2).length).toBeGreaterThan(0);
  } finally {
    await server.stop();
  }
});
