/**
 * The durable action queue, in-process (no Next, no HTTP): how soon an enqueued run starts after its commit, and how
 * many runs per second go through it. One runtime per engine (createRuntime over openDatabase), with this
 * process's queue (startActionQueue) running as in a server; runs are `tidyUp({ delayMsPerTodo: 0 })` of a user
 * created with ensureUser (4 seeded todos), enqueued with insertRun exactly as the `enqueue.tidyUp` procedure does.
 * Measurements: action-queue/pickup.ts (1) and action-queue/throughput.ts (2); bench/README.md has the details.
 *
 * Server modules import 'server-only'; run with the react-server condition:
 *   npx tsx --conditions=react-server bench/action-queue.ts [--postgres[=URL]] [--samples=200] [--runs=500]
 *     [--concurrency=1,4,8] [--rounds=3] [--enqueuers=4] [--pause-ms=20] [--lease-ms=30000]
 */
import './support/require-react-server';
import { randomUUID } from 'node:crypto';
import { startActionQueue } from '@/framework/server';
import type { Runtime } from '@/framework/server';
import { ensureUser } from '@/framework/server';
import { numberListOption, numberOption } from './support/args';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { recordFigure } from './support/results';
import { withRuntime } from './support/runtime';
import { median, summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';
import { epochNow } from './action-queue/observe';
import { measurePickup, type PickupResult } from './action-queue/pickup';
import { runRound, type Mode, type RoundResult } from './action-queue/throughput';

const TARGET_PICKUP_P50_MS = 20;
const DEFAULT_CONCURRENCY = 4;

const argv = process.argv.slice(2);
const options = {
  samples: numberOption(argv, 'samples', 200),
  warmUp: numberOption(argv, 'warm-up', 10),
  pauseMs: numberOption(argv, 'pause-ms', 20),
  runs: numberOption(argv, 'runs', 500),
  concurrency: numberListOption(argv, 'concurrency', [1, DEFAULT_CONCURRENCY, 8]),
  rounds: numberOption(argv, 'rounds', 3),
  enqueuers: numberOption(argv, 'enqueuers', 4),
  leaseMs: numberOption(argv, 'lease-ms', 30_000),
};
const SAMPLE_TIMEOUT_MS = 10_000;
const POLL_MS = 20;
/** A round may take this long before its unfinished runs count as failed: 20 ms per run, at least 30 s. */
const roundTimeoutMs = Math.max(30_000, options.runs * 20);

/** Date.now() (the claim rows' clock) minus epochNow() (t0's clock): printed so that a clock step would show. */
function clockOffset(): number {
  return Date.now() - epochNow();
}

// ── measurement 1 ────────────────────────────────────────────────────────────────────────────────────────────────

interface PickupArm {
  label: string;
  result: PickupResult;
}

async function runPickup(runtime: Runtime): Promise<PickupArm[]> {
  const queue = startActionQueue(runtime, { concurrency: DEFAULT_CONCURRENCY, leaseMs: options.leaseMs });
  try {
    const arms: PickupArm[] = [];
    for (const [label, pauseMs] of [
      [`idle queue (${options.pauseMs} ms pause before each enqueue)`, options.pauseMs],
      ['back to back (next enqueue once the previous run is done)', 0],
    ] as const) {
      const user = await ensureUser(runtime, randomUUID());
      const result = await measurePickup(runtime, queue, user.id, {
        samples: options.samples,
        warmUp: options.warmUp,
        pauseMs,
        timeoutMs: SAMPLE_TIMEOUT_MS,
      });
      arms.push({ label, result });
    }
    return arms;
  } finally {
    await queue.stop();
  }
}

function printPickup(engine: BenchDatabase['engine'], arms: PickupArm[]) {
  const rows = arms.flatMap(({ label, result }) => {
    const claim = summarize(result.claim);
    const running = summarize(result.handlerRunning);
    return [
      [
        label,
        'commit → claim (claim row updatedAt)',
        ...distributionCells(claim),
        `p50 ≤ ${TARGET_PICKUP_P50_MS} ms`,
        verdict(claim.p50 <= TARGET_PICKUP_P50_MS),
      ],
      [
        '',
        'commit → handler running (probe)',
        ...distributionCells(running),
        `p50 ≤ ${TARGET_PICKUP_P50_MS} ms`,
        verdict(running.p50 <= TARGET_PICKUP_P50_MS),
      ],
      ['', 'claim → handler running', ...distributionCells(summarize(result.claimToHandler)), '—', '—'],
      ['', 'commit → run succeeded', ...distributionCells(summarize(result.succeeded)), '—', '—'],
      ['', 'commit → event loop free', ...distributionCells(summarize(result.loopFree)), '—', '—'],
    ];
  });
  const idle = arms[0];
  if (idle) {
    const running = summarize(idle.result.handlerRunning);
    recordFigure({
      figure: 'action queue: enqueue commit → handler start, idle queue (p50 / p95)',
      database: engine,
      value: `${ms(running.p50)} / ${ms(running.p95)} ms`,
      target: `p50 ≤ ${TARGET_PICKUP_P50_MS} ms`,
      met: running.p50 <= TARGET_PICKUP_P50_MS,
      bench: 'npm run bench:queue',
    });
  }
  const notes = arms.map(
    ({ label, result }) =>
      `${label.split(' (')[0]}: failed ${result.failed}, probe missed ${result.missedProbe}, ` +
      `commits per sample p50 ${median(result.commitsPerSample)} (max ${summarize(result.commitsPerSample).max})` +
      (result.errors.length > 0 ? `; errors: ${[...new Set(result.errors)].slice(0, 3).join('; ')}` : ''),
  );
  printTable(
    `${engine}: enqueue commit → handler start, one run at a time, queue concurrency ${DEFAULT_CONCURRENCY} ` +
      `(${options.samples} samples per arm after ${options.warmUp} warm-up)`,
    ['arm', 'measure', ...DISTRIBUTION_HEADER, 'target', 'verdict'],
    rows,
    [
      "t0 = right after insertRun resolved (its commit done). claim = the claim row's updatedAt (JS Date taken just",
      'before the claim UPDATE; 1 ms resolution, reads ≤ 1 ms low), carried by the change feed. handler running =',
      'first microtask after a published commit with queue.active > 0 (after the claim). event loop free = the first',
      'setImmediate scheduled at t0 (a request arriving after the enqueue waits at least that long).',
      ...notes,
    ],
  );
}

// ── measurement 2 ────────────────────────────────────────────────────────────────────────────────────────────────

const MODES: readonly Mode[] = ['live', 'backlog'];

interface ThroughputArm {
  mode: Mode;
  concurrency: number;
  rounds: RoundResult[];
}

async function runThroughput(runtime: Runtime): Promise<ThroughputArm[]> {
  const arms: ThroughputArm[] = MODES.flatMap((mode) =>
    options.concurrency.map((concurrency) => ({ mode, concurrency, rounds: [] })),
  );
  // Rotating order, so that warm-up and table growth favour no arm.
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(round + k) % arms.length];
      if (!arm) continue;
      const result = await runRound(runtime, {
        mode: arm.mode,
        concurrency: arm.concurrency,
        runs: options.runs,
        enqueuers: options.enqueuers,
        leaseMs: options.leaseMs,
        pollMs: POLL_MS,
        timeoutMs: roundTimeoutMs,
      });
      arm.rounds.push(result);
      process.stdout.write(
        `  round ${round + 1}: ${arm.mode} × ${arm.concurrency}: ${result.perSecond.toFixed(0)} runs/s` +
          (result.failed > 0 ? ` (${result.failed} not succeeded)` : '') +
          '\n',
      );
    }
  }
  return arms;
}

function printThroughput(engine: string, arms: ThroughputArm[]) {
  const pooled = (values: (r: RoundResult) => number[], rounds: RoundResult[]) =>
    summarize(rounds.flatMap(values));
  const rows = arms.map(({ mode, concurrency, rounds }) => {
    const wait = pooled((r) => r.waits, rounds);
    const service = pooled((r) => r.services, rounds);
    return [
      mode,
      concurrency,
      rounds.map((r) => r.perSecond.toFixed(0)).join(' / '),
      median(rounds.map((r) => r.perSecond)).toFixed(0),
      '—',
      median(rounds.map((r) => r.enqueuePerSecond)).toFixed(0),
      rounds.reduce((sum, r) => sum + r.failed, 0),
      mode === 'live' ? ms(wait.p50) : '—',
      mode === 'live' ? ms(wait.p95) : '—',
      mode === 'live' ? ms(wait.p99) : '—',
      ms(service.p50),
      ms(service.p95),
      ms(service.p99),
    ];
  });
  const errors = [...new Set(arms.flatMap((arm) => arm.rounds.flatMap((r) => r.errors)))];
  printTable(
    `${engine}: runs/s through the queue, ${options.runs} tidyUp runs per round, ${options.rounds} rounds per row, ` +
      `${options.enqueuers} enqueuers`,
    [
      'mode',
      'concurrency',
      'runs/s per round',
      'median /s',
      'target',
      'enqueues/s',
      'failed',
      'wait p50',
      'wait p95',
      'wait p99',
      'service p50',
      'service p95',
      'service p99',
    ],
    rows,
    [
      'live: enqueued while the queue runs (wall = first enqueue → last final row); backlog: enqueued first, then the',
      'queue started (wall = queue start → last final row). No throughput target is set: the figures are reported.',
      'wait = enqueue commit → claim row; service = claim row → final row (ms, pooled over the rounds;',
      `n = ${options.runs * options.rounds} runs per row).`,
      ...(errors.length > 0 ? [`errors: ${errors.slice(0, 5).join('; ')}`] : []),
    ],
  );
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────────────────────────

async function runOn(database: BenchDatabase) {
  console.log(
    `\n══ ${database.engine} ══ ${2 * (options.warmUp + options.samples)} single runs, then ` +
      `${MODES.length * options.concurrency.length} arms × ${options.rounds} rounds × ${options.runs} runs …`,
  );
  await withRuntime(database, async (runtime) => {
    const offsetBefore = clockOffset();
    const pickup = await runPickup(runtime);
    printPickup(database.engine, pickup);
    const throughput = await runThroughput(runtime);
    printThroughput(database.engine, throughput);
    const drift = clockOffset() - offsetBefore;
    console.log(`  Date.now() − performance epoch moved by ${ms(drift)} ms over this engine's run.`);
  });
}

runMain(async () => {
  await forEachDatabase(argv, 'bench-action-queue', runOn);
});
