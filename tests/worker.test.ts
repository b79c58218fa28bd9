/**
 * `npm run worker` beside web processes that run no queue (ACTION_QUEUE_WORKERS=0, as on serverless hosts): a run
 * enqueued through the web side is executed by the worker process, its result reaches the web side through the change
 * feed, and the worker stops cleanly on SIGTERM.
 *
 * Runs in the PostgreSQL pass (DATABASE_URL set, as .ci/run does): a worker and a web process cannot share PGlite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRun } from '@/framework/server/schema';
import { enqueueRun } from '@/framework/server/runtime/action-executor';
import { executeMutation } from '@/framework/server/runtime/executor';
import type { Runtime } from '@/framework/server/runtime/runtime';
import { ensureUser } from '@/framework/server/users';
import { createPostgresDatabase } from './helpers/postgres-database';

const baseUrl = process.env.DATABASE_URL;

describe.runIf(baseUrl)('the queue worker process (PostgreSQL only: runs in the DATABASE_URL pass)', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let web: Runtime;
  let worker: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    database = await createPostgresDatabase(baseUrl ?? '');
    // The web process's own runtime, as server/instance.ts builds it, with its queue switched off.
    process.env.DATABASE_URL = database.url;
    process.env.ACTION_QUEUE_WORKERS = '0';
    const { getRuntime } = await import('@/server/instance');
    web = await getRuntime();
  });
  afterAll(async () => {
    // The whole process group: tsx runs the worker in a child of its own, which must not outlive the test.
    if (worker?.pid && worker.exitCode === null) process.kill(-worker.pid, 'SIGKILL');
    await web?.close();
    await database?.drop();
  });

  /** Resolves when the worker's output matches `pattern`; rejects if it exits first. */
  function outputMatches(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(output)) return;
        worker?.stdout?.off('data', check);
        worker?.off('exit', exited);
        resolve();
      };
      const exited = (code: number | null) =>
        reject(new Error(`the worker exited (${code}) before printing ${pattern}:\n${output}`));
      worker?.stdout?.on('data', check);
      worker?.once('exit', exited);
      check();
    });
  }

  /** Spawns exactly what `npm run worker` runs, without npm in between (so SIGTERM reaches it, as a supervisor's would). */
  async function startWorkerProcess() {
    const scripts = (
      JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const [command = '', ...args] = (scripts.worker ?? '').split(' ');
    output = '';
    worker = spawn(command, args, {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        ACTION_QUEUE_WORKERS: '2',
        NODE_ENV: 'production',
        SESSION_SECRET: 'worker-test-secret-with-at-least-32-characters',
        // Required in production; the worker sends no mail in this test, so nothing listens there.
        SMTP_URL: 'smtp://127.0.0.1:1',
        MAIL_FROM: 'app@starter.test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // A process group of its own, so afterAll can end it whole.
    });
    worker.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    worker.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await outputMatches(/\[worker\] ready/);
  }

  /** Resolves with the first row of run `runId` that the web runtime's feed shows matching `done`. */
  function runReaches(runId: string, done: (row: ActionRun) => boolean): Promise<ActionRun> {
    return new Promise((resolve) => {
      const stop = web.feed.onChanges((changes) => {
        for (const change of changes) {
          const row = change.table === 'actionRuns' && change.op === 'set' ? (change.row as ActionRun) : null;
          if (row?.id === runId && done(row)) {
            stop();
            resolve(row);
          }
        }
      });
    });
  }

  it('executes a run enqueued through the web side; the result arrives; SIGTERM stops it cleanly', async () => {
    await startWorkerProcess();

    const userId = crypto.randomUUID();
    await ensureUser(web, userId);
    const todoId = crypto.randomUUID();
    const finished = new Promise<ActionRun>((resolve) => {
      const stop = web.feed.onChanges((changes) => {
        for (const change of changes) {
          const row = change.table === 'actionRuns' && change.op === 'set' ? (change.row as ActionRun) : null;
          if (row?.status === 'succeeded') {
            stop();
            resolve(row);
          }
        }
      });
    });
    const run = await enqueueRun(web, userId, 'addTodos', {
      items: [{ id: todoId, text: 'done by the worker', position: 1 }],
      createdAt: new Date(),
    });
    const result = await finished;
    expect(result.id).toBe(run.id);
    expect(result.result).toEqual({ results: [{ ok: true, id: todoId }] });
    // The worker, not this (web) process, executed it.
    await outputMatches(new RegExp(`run ${run.id} \\(addTodos\\) succeeded`));

    const exited = new Promise<number | null>((resolve) => worker?.once('exit', resolve));
    worker?.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/\[worker\] stopped/);
  }, 120_000);

  it('on SIGTERM finishes the run it is executing, then exits 0', async () => {
    await startWorkerProcess();
    const userId = crypto.randomUUID();
    await ensureUser(web, userId);
    for (const position of [30, 20, 10]) {
      await executeMutation(web, userId, 'addTodo', {
        args: { id: crypto.randomUUID(), text: `at ${position}`, position, createdAt: new Date() },
      });
    }
    // About 1.2 s of work, in steps that report progress.
    const run = await enqueueRun(web, userId, 'tidyUp', { delayMsPerTodo: 400 });
    await runReaches(run.id, (row) => row.status === 'running' && (row.progress ?? 0) > 0);

    const exited = new Promise<number | null>((resolve) => worker?.once('exit', resolve));
    const succeeded = runReaches(run.id, (row) => row.status === 'succeeded');
    worker?.kill('SIGTERM');
    expect((await succeeded).result).toEqual({ renumbered: 3 });
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM: finishing running actions/);
    expect(output).toMatch(new RegExp(`run ${run.id} \\(tidyUp\\) succeeded[\\s\\S]*\\[worker\\] stopped`));
  }, 120_000);
});
