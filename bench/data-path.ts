/**
 * The data path as a user meets it, against the production build: a copy of the checkout's `.next` (so a rebuild
 * by someone else cannot pull it away mid-run; `npx next build` first), or with --build a private build of the
 * working tree. Measures:
 *   (a) click → optimistic DOM update while the server holds each mutation 300 ms, both ways of writing the list:
 *       the store's hooks (`/?list=hooks`) and React Query's useQuery / useMutation (`/?list=query`), in the same run;
 *   (b) a change committed from tab A → tab B's DOM;
 *   (c) addTodo mutations per second over HTTP from N typed clients.
 * Runs on a throwaway PGlite folder, and also on a fresh PostgreSQL database with --postgres[=URL] or
 * BENCH_DATABASE_URL. Options: --samples-optimistic=50 --samples-cross-tab=100 --seconds=10 --clients=8 --delay=300.
 *
 *   npx tsx bench/data-path.ts [--postgres]
 */
import { randomBytes } from 'node:crypto';
import { numberOption } from './support/args';
import { launchChromium } from './support/browser';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import type { BuildSnapshot } from './support/build-snapshot';
import { withProductionBuild } from './support/production-build';
import { startProductionServer } from './support/server';
import { summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';
import { measureCrossTab, type CrossTabResult } from './data-path/cross-tab';
import { measureHttpMutations } from './data-path/http-mutations';
import { measureOptimisticUpdate, type OptimisticResult } from './data-path/optimistic-update';
import type { LoadResult } from './support/load';
import { recordFigure } from './support/results';

const FRAME_MS = 1000 / 60;
const CROSS_TAB_P50_MS = 15;
const CROSS_TAB_P99_MS = 50;

const argv = process.argv.slice(2);
const options = {
  samplesOptimistic: numberOption(argv, 'samples-optimistic', 50),
  samplesCrossTab: numberOption(argv, 'samples-cross-tab', 100),
  seconds: numberOption(argv, 'seconds', 10),
  clients: numberOption(argv, 'clients', 8),
  delayMs: numberOption(argv, 'delay', 300),
};

/** The two ways the example's list is written (app/_components/todo-app.tsx, todo-app-query.tsx). */
const WAYS = [
  { way: 'hooks', label: 'hooks (useRows / useMutate)', path: '/?list=hooks' },
  { way: 'react-query', label: 'React Query (useQuery / useMutation)', path: '/?list=query' },
] as const;

type Way = (typeof WAYS)[number]['way'];

interface EngineResults {
  engine: BenchDatabase['engine'];
  optimistic: Record<Way, OptimisticResult>;
  crossTab: CrossTabResult;
  http: LoadResult;
}

async function runOn(build: BuildSnapshot, database: BenchDatabase): Promise<EngineResults> {
  const delayToken = randomBytes(24).toString('hex');
  console.log(`\n══ ${database.engine} ══ starting next start (build ${build.buildId}) …`);
  const server = await startProductionServer({
    appDir: build.dir,
    database,
    // ALLOW_TEST_DELAY=1 runs in production only beside a token that delayed requests carry (server/env.ts).
    env: { ALLOW_TEST_DELAY: '1', TEST_DELAY_TOKEN: delayToken },
  });
  try {
    const browser = await launchChromium();
    const optimistic = {} as Record<Way, OptimisticResult>;
    let crossTab: CrossTabResult;
    try {
      for (const { way, label, path } of WAYS) {
        console.log(`(a) ${options.samplesOptimistic} optimistic clicks, ${label} …`);
        optimistic[way] = await measureOptimisticUpdate(browser, `${server.url}${path}`, {
          samples: options.samplesOptimistic,
          delayMs: options.delayMs,
          delayToken,
        });
      }
      console.log(`(b) ${options.samplesCrossTab} cross-tab changes …`);
      crossTab = await measureCrossTab(browser, server.url, { samples: options.samplesCrossTab });
    } finally {
      // Closed before (c): open tabs would read the feed on every commit and compete with the load.
      await browser.close();
    }
    console.log(`(c) ${options.clients} clients × ${options.seconds} s of addTodo …`);
    const http = await measureHttpMutations(server.url, {
      clients: options.clients,
      durationMs: options.seconds * 1000,
    });
    const results = { engine: database.engine, optimistic, crossTab, http };
    printEngine(results);
    return results;
  } finally {
    await server.stop();
  }
}

function printEngine({ engine, optimistic, crossTab, http }: EngineResults) {
  for (const { way, label } of WAYS) printOptimistic(engine, label, optimistic[way]);
  const [hooks, query] = [summarize(optimistic.hooks.dom), summarize(optimistic['react-query'].dom)];
  console.log(
    `(a) ${engine}: React Query way vs hooks way, click → DOM p50 ${ms(query.p50)} vs ${ms(hooks.p50)} ms, ` +
      `p95 ${ms(query.p95)} vs ${ms(hooks.p95)} ms.`,
  );

  const responseToDom = summarize(crossTab.responseToDom);
  const clickToDom = summarize(crossTab.clickToDom);
  const target = `p50 ≤ ${CROSS_TAB_P50_MS}, p99 ≤ ${CROSS_TAB_P99_MS}`;
  const meets = (d: { p50: number; p99: number }) =>
    verdict(d.p50 <= CROSS_TAB_P50_MS && d.p99 <= CROSS_TAB_P99_MS);
  printTable(
    `(b) ${engine}: change committed in tab A → tab B's DOM (same user, two tabs; epoch clock)`,
    ['measure', ...DISTRIBUTION_HEADER, 'target ms', 'verdict'],
    [
      [
        'A response 1st byte → B DOM (≈ commit → DOM)',
        ...distributionCells(responseToDom),
        target,
        meets(responseToDom),
      ],
      // Not held to the target: it includes A's request and the transaction, which come before the commit.
      ['A click → B DOM (upper bound)', ...distributionCells(clickToDom), '—', '—'],
      [
        'B feed message → B DOM (apply + render)',
        ...distributionCells(summarize(crossTab.feedToDom)),
        '—',
        '—',
      ],
      [
        'A click → A response (round trip)',
        ...distributionCells(summarize(crossTab.clickToResponse)),
        '—',
        '—',
      ],
    ],
    [
      `commit → B DOM lies between rows 1 and 2 (row 1 starts just after the commit: the server answers once ` +
        `committed); row 2 (click → B DOM, which also counts the request and the transaction) against the same ` +
        `target: ${meets(clickToDom)}.`,
      `B's clock − A's clock = ${ms(crossTab.clock.offset)} ms ± ${ms(crossTab.clock.uncertainty)} ms (corrected for); ` +
        `visibility: ${crossTab.visibility}.`,
      `failed samples: ${crossTab.failures.length}` +
        (crossTab.failures.length > 0 ? ` (${[...new Set(crossTab.failures)].join('; ')})` : ''),
    ],
  );

  recordFigure({
    figure: 'commit in tab A → DOM in tab B (p50 / p99)',
    database: engine,
    value: `${ms(responseToDom.p50)} / ${ms(responseToDom.p99)} ms`,
    target: `p50 ≤ ${CROSS_TAB_P50_MS}, p99 ≤ ${CROSS_TAB_P99_MS} ms`,
    met: responseToDom.p50 <= CROSS_TAB_P50_MS && responseToDom.p99 <= CROSS_TAB_P99_MS,
    bench: 'npm run bench:data-path',
  });

  printTable(
    `(c) ${engine}: addTodo over HTTP (typed client → next start), ${options.clients} clients, ${options.seconds} s`,
    ['measure', 'clients', 'completed', 'failed', 'mutations/s', ...DISTRIBUTION_HEADER],
    [
      [
        'latency per mutation',
        options.clients,
        http.completed,
        http.failed,
        http.perSecond.toFixed(0),
        ...distributionCells(summarize(http.latencies)),
      ],
    ],
    [
      'sent as a script sends it ({ args }); the comparison with a bare insert is bench/mutation-throughput.ts.',
      ...(http.errors.length > 0 ? [`errors: ${http.errors.join('; ')}`] : []),
    ],
  );
}

/** Table (a) for one way of writing the list, and its recorded figure. */
function printOptimistic(engine: BenchDatabase['engine'], label: string, optimistic: OptimisticResult) {
  const dom = summarize(optimistic.dom);
  const withinFrame = optimistic.dom.filter((value) => value <= FRAME_MS).length;
  const settled = summarize(optimistic.settled);
  printTable(
    `(a) ${engine}, ${label}: click → optimistic DOM update, server holding each mutation ${optimistic.delayMs} ms (page clock)`,
    ['measure', ...DISTRIBUTION_HEADER, 'target', 'verdict'],
    [
      [
        'click → DOM shows new state',
        ...distributionCells(dom),
        `p95 ≤ ${ms(FRAME_MS)} ms`,
        verdict(dom.p95 <= FRAME_MS),
      ],
      ['click → next frame (rAF)', ...distributionCells(summarize(optimistic.frame)), '—', '—'],
      [
        'click → settled (answer + feed)',
        ...distributionCells(settled),
        `≥ ${optimistic.delayMs} ms`,
        verdict(settled.p50 >= optimistic.delayMs),
      ],
    ],
    [
      `DOM p50 = ${(dom.p50 / FRAME_MS).toFixed(2)}× one frame (${ms(FRAME_MS)} ms), p95 = ${(dom.p95 / FRAME_MS).toFixed(2)}×; ` +
        `${withinFrame}/${dom.n} samples within one frame; DOM p50 is ${(settled.p50 / dom.p50).toFixed(0)}× faster than settling.`,
      `"settled ≥ delay" checks that the server really was slow (ALLOW_TEST_DELAY honoured).`,
      `reverted after settling: ${optimistic.revertedAfterSettle}; failed samples: ${optimistic.failures.length}` +
        (optimistic.failures.length > 0 ? ` (${[...new Set(optimistic.failures)].join('; ')})` : ''),
    ],
  );
  recordFigure({
    figure: `click → optimistic DOM update, ${label} (p50 / p95)`,
    database: engine,
    value: `${ms(dom.p50)} / ${ms(dom.p95)} ms`,
    target: `p95 ≤ ${ms(FRAME_MS)} ms`,
    met: dom.p95 <= FRAME_MS,
    bench: 'npm run bench:data-path',
  });
}

function printSummary(all: EngineResults[]) {
  if (all.length < 2) return;
  const row = (label: string, pick: (r: EngineResults) => string, target: string) => [
    label,
    ...all.map(pick),
    target,
  ];
  printTable(
    'Summary',
    ['figure', ...all.map((r) => r.engine), 'target'],
    [
      ...WAYS.map(({ way, label }) =>
        row(
          `(a) click → DOM p95 ms, ${label}`,
          (r) => ms(summarize(r.optimistic[way].dom).p95),
          `≤ ${ms(FRAME_MS)}`,
        ),
      ),
      row(
        '(b) A response → B DOM p50 ms',
        (r) => ms(summarize(r.crossTab.responseToDom).p50),
        `≤ ${CROSS_TAB_P50_MS}`,
      ),
      row(
        '(b) A response → B DOM p99 ms',
        (r) => ms(summarize(r.crossTab.responseToDom).p99),
        `≤ ${CROSS_TAB_P99_MS}`,
      ),
      row('(c) addTodo mutations/s', (r) => r.http.perSecond.toFixed(0), '—'),
    ],
  );
}

runMain(async () => {
  const all = await withProductionBuild(argv, (build) =>
    forEachDatabase(argv, 'bench-data-path', (database) => runOn(build, database)),
  );
  printSummary(all);
});
