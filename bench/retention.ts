/**
 * Storage stays bounded under retention (issue 12 item 6): makes --commits commits (default 1,000,000) in process,
 * through the real executor with group commit (--writers concurrent callers, each a user editing one of its todos
 * under a numbered client id that it replaces every --client-every mutations, like tabs coming and going), plus an
 * action run enqueued and finished every --run-every commits, while the retention job runs with short windows
 * (--keep-versions of the log; client ids after --client-idle-seconds, finished runs after --run-idle-seconds).
 * Every --report-every commits it prints the on-disk size of the four tables that grow with use
 * (pg_total_relation_size) and the process RSS: they level off instead of growing with the commit count.
 *
 *   npx tsx --conditions=react-server bench/retention.ts [--postgres[=URL] | --postgres-only] [--commits=1000000] [--writers=64]
 *     [--keep-versions=50000] [--client-idle-seconds=60] [--run-idle-seconds=5] [--interval-ms=1000] [--report-every=50000]
 */
import './support/require-react-server';
import { eq, sql } from 'drizzle-orm';
import { todos } from '@/db/schema';
import { insertRun, updateRun } from '@/framework/server';
import { currentVersion } from '@/framework/server';
import { executeMutation } from '@/framework/server';
import { startRetention, type RetentionReport } from '@/framework/server';
import type { Runtime } from '@/framework/server';
import { ensureUser } from '@/framework/server';
import { numberOption } from './support/args';
import {
  createPostgresDatabase,
  DEFAULT_POSTGRES_URL,
  forEachDatabase,
  requestedEngines,
  runMain,
  type BenchDatabase,
} from './support/databases';
import { mb } from './support/process-stats';
import { recordFigure } from './support/results';
import { withRuntime } from './support/runtime';
import { printTable, type Row } from './support/table';

const argv = process.argv.slice(2);
const options = {
  commits: numberOption(argv, 'commits', 1_000_000),
  writers: numberOption(argv, 'writers', 64),
  keepVersions: numberOption(argv, 'keep-versions', 50_000),
  // Long enough that a writer's client id is never idle between two of its own mutations on a loaded machine (with
  // 5 s, a stall of the machine made an active client "forgotten": exactly what the window is for).
  clientIdleSeconds: numberOption(argv, 'client-idle-seconds', 60),
  runIdleSeconds: numberOption(argv, 'run-idle-seconds', 5),
  intervalMs: numberOption(argv, 'interval-ms', 1_000),
  reportEvery: numberOption(argv, 'report-every', 50_000),
  clientEvery: numberOption(argv, 'client-every', 1_000),
  runEvery: numberOption(argv, 'run-every', 1_000),
};

const TABLES = ['sync_commits', 'sync_changes', 'client_mutations', 'action_runs'] as const;
const HEADER = [
  'commits',
  's',
  'commits/s',
  ...TABLES.map((table) => `${table} MB`),
  'log rows',
  'client rows',
  'run rows',
  'RSS MB',
];

async function tableSizes(runtime: Runtime): Promise<number[]> {
  const result = await runtime.db.execute<Record<string, number | string>>(
    sql.raw(`select ${TABLES.map((t) => `pg_total_relation_size('${t}') as ${t}`).join(', ')}`),
  );
  const row = result.rows[0] ?? {};
  return TABLES.map((table) => Number(row[table] ?? Number.NaN));
}

/** Rows of the log, of client_mutations and of action_runs (cheap: each is bounded by retention). */
async function rowCounts(runtime: Runtime): Promise<number[]> {
  const result = await runtime.db.execute<Record<string, number | string>>(sql`select
    (select count(*) from sync_commits) as log,
    (select count(*) from client_mutations) as clients,
    (select count(*) from action_runs) as runs`);
  const row = result.rows[0] ?? {};
  return ['log', 'clients', 'runs'].map((name) => Number(row[name] ?? Number.NaN));
}

async function measure(database: BenchDatabase): Promise<void> {
  await withRuntime(database, async (runtime) => {
    const retention = startRetention(runtime, {
      logKeepVersions: options.keepVersions,
      clientIdleMs: options.clientIdleSeconds * 1_000,
      finishedRunsMs: options.runIdleSeconds * 1_000,
      intervalMs: options.intervalMs,
      batchSize: 5_000,
    });
    const passes: RetentionReport[] = [];
    const base = await currentVersion(runtime.db);
    const rows: Row[] = [];
    const started = performance.now();
    let done = 0;
    let mutations = 0;
    let nextReport = options.reportEvery;
    const report = async () => {
      const seconds = (performance.now() - started) / 1_000;
      const sizes = await tableSizes(runtime);
      rows.push([
        done,
        seconds.toFixed(0),
        (done / seconds).toFixed(0),
        ...sizes.map(mb),
        ...(await rowCounts(runtime)),
        mb(process.memoryUsage().rss),
      ]);
      console.log(rows.at(-1)?.join('  '));
    };
    // Passes are run by the job's own timer; these extra ones just count what they delete.
    const counter = setInterval(() => {
      retention
        .runNow()
        .then((pass) => passes.push(pass))
        .catch((error: unknown) => console.error('[bench] a retention pass failed:', error));
    }, options.intervalMs * 5);

    console.log(`\n${database.engine}: ${options.commits} commits, ${options.writers} writers`);
    console.log(HEADER.join('  '));
    const writer = async (index: number) => {
      const user = await ensureUser(runtime, crypto.randomUUID());
      const [todo] = await runtime.db.select().from(todos).where(eq(todos.ownerId, user.id)).limit(1);
      if (!todo) throw new Error('ensureUser seeded no todo');
      let client = 0;
      let mutationId = 0;
      while (done < options.commits) {
        if (mutationId === options.clientEvery) {
          client++;
          mutationId = 0;
        }
        mutationId++;
        await executeMutation(runtime, user.id, 'setTodoText', {
          args: { id: todo.id, text: `edit ${done}`, updatedAt: new Date() },
          clientId: `bench-${index}-${client}`,
          mutationId,
        });
        done++;
        if (++mutations % options.runEvery === 0) {
          const run = await insertRun(runtime, user.id, 'tidyUp', {}, 1);
          await updateRun(runtime, run.id, { status: 'succeeded', result: {}, progress: 1 });
          done += 2;
        }
        if (done >= nextReport) {
          nextReport += options.reportEvery;
          await report();
        }
      }
    };
    await Promise.all(Array.from({ length: options.writers }, (_, index) => writer(index)));
    clearInterval(counter);
    const elapsed = (performance.now() - started) / 1_000;
    await retention.runNow();
    await report();
    await retention.stop();
    const made = (await currentVersion(runtime.db)) - base;
    const deleted = passes.reduce(
      (sum, pass) => ({
        log: sum.log + pass.logCommits,
        clients: sum.clients + pass.clients,
        runs: sum.runs + pass.runs,
      }),
      { log: 0, clients: 0, runs: 0 },
    );
    printTable(
      `Retention under ${made} commits (${database.engine}): table sizes and RSS every ${options.reportEvery} commits`,
      HEADER,
      rows,
      [
        `${made} commits in ${elapsed.toFixed(0)} s (${(made / elapsed).toFixed(0)}/s), ${options.writers} writers, group commit.`,
        `Windows: the newest ${options.keepVersions} log versions; client ids after ${options.clientIdleSeconds} s idle, finished runs after ${options.runIdleSeconds} s; a pass every ${options.intervalMs} ms.`,
        `Counted passes deleted ${deleted.log} log commits, ${deleted.clients} client ids, ${deleted.runs} runs (the job's own passes deleted more).`,
        'Bounded: the sizes level off once the log holds its window (the job VACUUMs after deleting, so the space is reused).',
      ],
    );
    const last = rows.at(-1);
    recordFigure({
      figure: `retention: table MB (log / changes / clients / runs) and RSS after ${made} commits`,
      database: database.engine,
      value: last ? `${last.slice(3, 7).join(' / ')} MB, RSS ${last[10]} MB` : 'n/a',
      target: 'bounded',
      met: null,
      bench: 'bench/retention.ts',
    });
  });
}

runMain(async () => {
  // --postgres-only: skip the PGlite run (1M commits take long; measure one engine at a time).
  if (argv.includes('--postgres-only')) {
    const database = await createPostgresDatabase(
      requestedEngines(argv).postgresBaseUrl ?? DEFAULT_POSTGRES_URL,
    );
    try {
      await measure(database);
    } finally {
      await database.dispose();
    }
    return;
  }
  await forEachDatabase(argv, 'bench-retention', measure);
});
