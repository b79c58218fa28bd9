/**
 * What the data path costs per mutation: addTodo through the real mutator procedure (executor: transaction,
 * change log, version counter) against a bare tRPC procedure doing the same one-row insert, both over HTTP on one
 * in-process server and one runtime (createRuntime over openDatabase), in the same run. Arms are described in
 * mutation-throughput/arms.ts. Each arm runs N closed-loop clients (one user each, in a worker thread) for
 * --seconds, repeated --rounds times in rotating order so that warm-up and table growth favour no arm.
 * On PGlite it then prints what durability costs per commit (mutation-throughput/durability-cost.ts):
 * --durability-commits per arm, --durability-rounds rounds.
 *
 * Server modules import 'server-only', which throws outside React server components; the react-server condition
 * resolves it to its empty module, so run with:
 *   npx tsx --conditions=react-server bench/mutation-throughput.ts [--postgres[=URL]] [--clients=8] [--seconds=5] [--rounds=3]
 */
import './support/require-react-server';
import type { Runtime } from '@/framework/server';
import { numberOption } from './support/args';
import { createPgliteFolder, forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { recordFigure } from './support/results';
import { withRuntime } from './support/runtime';
import type { LoadResult } from './support/load';
import { median, summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';
import { ARM_NAMES, type ArmName } from './mutation-throughput/arms';
import { newSessionCookies } from './mutation-throughput/clients';
import { DURABILITY_ARMS, measureDurabilityCost } from './mutation-throughput/durability-cost';
import { startBenchServer } from './mutation-throughput/http-server';
import type { LoadJob } from './mutation-throughput/load-worker';
import { runArm } from './mutation-throughput/run-arm';

const TARGET_RATIO = 1.15;
const SESSION_SECRET = 'bench-session-secret-with-at-least-32-chars';
const WARM_UP_MS = 1_000;

const argv = process.argv.slice(2);
const options = {
  clients: numberOption(argv, 'clients', 8),
  seconds: numberOption(argv, 'seconds', 5),
  rounds: numberOption(argv, 'rounds', 3),
  durabilityCommits: numberOption(argv, 'durability-commits', 200),
  durabilityRounds: numberOption(argv, 'durability-rounds', 3),
};

async function measure(runtime: Runtime): Promise<Map<ArmName, LoadResult[]>> {
  const server = await startBenchServer(runtime, SESSION_SECRET);
  try {
    const cookies = await newSessionCookies(options.clients, runtime, SESSION_SECRET);
    const job = (arm: ArmName, durationMs: number, run: string): LoadJob => ({
      url: server.url,
      arm,
      cookies,
      durationMs,
      run,
    });
    // Each client's first request creates and seeds its user; none of that belongs in a measured window.
    for (const arm of ARM_NAMES) await runArm(job(arm, WARM_UP_MS, `warm-up-${arm}`));
    const results = new Map<ArmName, LoadResult[]>(ARM_NAMES.map((arm) => [arm, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < ARM_NAMES.length; k++) {
        const arm = ARM_NAMES[(round + k) % ARM_NAMES.length] ?? 'bare insert';
        results.get(arm)?.push(await runArm(job(arm, options.seconds * 1000, `round-${round}`)));
      }
    }
    return results;
  } finally {
    await server.close();
  }
}

function print(engine: BenchDatabase['engine'], results: Map<ArmName, LoadResult[]>) {
  const rate = (arm: ArmName) => median((results.get(arm) ?? []).map((r) => r.perSecond));
  const bare = rate('bare insert');
  const rows = ARM_NAMES.map((arm) => {
    const rounds = results.get(arm) ?? [];
    const ratio = bare / rate(arm);
    const isBare = arm === 'bare insert';
    return [
      arm,
      rounds.map((r) => r.perSecond.toFixed(0)).join(' / '),
      rate(arm).toFixed(0),
      `${ratio.toFixed(2)}×`,
      isBare ? '—' : `≤ ${TARGET_RATIO}×`,
      isBare ? '—' : verdict(ratio <= TARGET_RATIO),
      rounds.reduce((sum, r) => sum + r.failed, 0),
      ...distributionCells(summarize(rounds.flatMap((r) => r.latencies))),
    ];
  });
  const errors = [...new Set([...results.values()].flat().flatMap((r) => r.errors))];
  const arms = ARM_NAMES.filter((arm) => arm !== 'bare insert');
  recordFigure({
    figure: `addTodo over HTTP vs bare insert: slowdown (${arms.map((arm) => arm.replace(/^addTodo \((.*)\)$/, '$1')).join(' / ')})`,
    database: engine,
    value: arms.map((arm) => `${(bare / rate(arm)).toFixed(2)}×`).join(' / '),
    target: `≤ ${TARGET_RATIO}×`,
    met: arms.every((arm) => bare / rate(arm) <= TARGET_RATIO),
    bench: 'npm run bench:mutations',
  });
  printTable(
    `${engine}: mutations/s over HTTP, ${options.clients} clients, ${options.rounds} rounds × ${options.seconds} s per arm`,
    [
      'arm',
      'mutations/s per round',
      'median /s',
      'slowdown',
      'target',
      'verdict',
      'failed',
      ...DISTRIBUTION_HEADER,
    ],
    rows,
    [
      "slowdown = bare insert's median mutations/s ÷ this arm's; latency columns pool every round of the arm.",
      ...(errors.length > 0 ? [`errors: ${errors.join('; ')}`] : []),
    ],
  );
}

async function runOn(database: BenchDatabase) {
  console.log(
    `\n══ ${database.engine} ══ ${ARM_NAMES.length} arms × ${options.rounds} rounds × ${options.seconds} s …`,
  );
  await withRuntime(database, async (runtime) => print(database.engine, await measure(runtime)));
  if (database.engine === 'pglite') await printDurabilityCost();
}

/** PGlite only: the same commits with the flush before each answer (the default) and without it. */
async function printDurabilityCost() {
  console.log(
    `\n══ pglite ══ durability: ${DURABILITY_ARMS.length} arms × ${options.durabilityCommits} commits × ` +
      `${options.durabilityRounds} rounds, durable and relaxed …`,
  );
  const folder = createPgliteFolder('bench-durability');
  try {
    const { durable, relaxed } = await measureDurabilityCost(folder, {
      commits: options.durabilityCommits,
      rounds: options.durabilityRounds,
    });
    const cost = DURABILITY_ARMS.map((arm) => {
      const withFlush = median(durable.map((round) => round[arm]));
      const withoutFlush = median(relaxed.map((round) => round[arm]));
      return { arm, withFlush, withoutFlush, flush: withFlush - withoutFlush };
    });
    printTable(
      'pglite: what durability costs per commit (ms of wall time per commit, median of rounds)',
      ['arm', 'durable (default)', 'relaxed', 'flush cost', 'durable ÷ relaxed'],
      cost.map(({ arm, withFlush, withoutFlush, flush }) => [
        arm,
        `${ms(withFlush)} ms`,
        `${ms(withoutFlush)} ms`,
        `${ms(flush)} ms`,
        `${(withFlush / withoutFlush).toFixed(2)}×`,
      ]),
      [
        'durable: PostgreSQL fsyncs the WAL before COMMIT returns (PGLITE_DURABILITY=durable, the default);',
        'relaxed: no flush (PGLITE_DURABILITY=relaxed). 8 writers share flushes through group commit.',
      ],
    );
    recordFigure({
      figure: `PGlite flush cost per commit (${DURABILITY_ARMS.join(' / ')})`,
      database: 'pglite',
      value: cost.map(({ flush }) => `${ms(flush)}`).join(' / ') + ' ms',
      target: '—',
      met: null,
      bench: 'npm run bench:mutations',
    });
  } finally {
    await folder.dispose();
  }
}

runMain(async () => {
  await forEachDatabase(argv, 'bench-mutations', runOn);
});
