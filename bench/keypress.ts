/**
 * Keypress in tab A → the change in tab B's DOM: what a user sees, measured from outside (issue 17: p50 ≤ 25 ms,
 * p99 ≤ 50 ms). One user, two tabs of one browser context on `/`, A in front; each sample is one Enter in A's
 * "New todo" box (one addTodo), timed in each page on the epoch clock and split into keypress → request start →
 * server answer → B's feed message → B's DOM (keypress/measure.ts, keypress/segments.ts). Against the production
 * build: a snapshot of the checkout's `.next` (`npx next build` first) or, with --build, a private build.
 * Runs on a throwaway PGlite folder, and also on a fresh PostgreSQL database with --postgres[=URL] or
 * BENCH_DATABASE_URL. Options: --samples=100 --warm-up=10.
 *
 *   npx tsx bench/keypress.ts [--build] [--postgres] [--samples=100]
 */
import { numberOption } from './support/args';
import { launchChromium } from './support/browser';
import type { BuildSnapshot } from './support/build-snapshot';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { withProductionBuild } from './support/production-build';
import { recordFigure } from './support/results';
import { startProductionServer } from './support/server';
import { summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';
import { measureKeypress, type KeypressResult } from './keypress/measure';
import { KEYPRESS_ROWS, KEYPRESS_TARGET, meetsKeypressTarget, splitSamples } from './keypress/segments';

const argv = process.argv.slice(2);
const options = {
  samples: numberOption(argv, 'samples', 100),
  warmUp: numberOption(argv, 'warm-up', 10),
};
const TARGET = `p50 ≤ ${KEYPRESS_TARGET.p50}, p99 ≤ ${KEYPRESS_TARGET.p99}`;

interface EngineResult {
  engine: BenchDatabase['engine'];
  result: KeypressResult;
}

async function runOn(build: BuildSnapshot, database: BenchDatabase): Promise<EngineResult> {
  console.log(`\n══ ${database.engine} ══ starting next start (build ${build.buildId}) …`);
  const server = await startProductionServer({ appDir: build.dir, database });
  try {
    const browser = await launchChromium();
    try {
      console.log(`${options.warmUp} warm-up + ${options.samples} keypresses …`);
      const result = await measureKeypress(browser, `${server.url}/`, options);
      printEngine(database.engine, result);
      return { engine: database.engine, result };
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}

function printEngine(engine: BenchDatabase['engine'], result: KeypressResult) {
  const rows = splitSamples(result.samples, result.clock.offset);
  const headline = summarize(rows.keyToBDom);
  // A sample whose change never reached B (or never left A) is a miss the percentiles cannot show.
  const met = result.failures.length === 0 && meetsKeypressTarget(headline);
  printTable(
    `${engine}: keypress (Enter in "New todo") in tab A → the new todo in tab B's DOM (one user, two tabs, A in front; epoch clock)`,
    ['measure', ...DISTRIBUTION_HEADER, 'target ms', 'verdict'],
    KEYPRESS_ROWS.map((row) => {
      const cells = distributionCells(summarize(rows[row.key]));
      return row.key === 'keyToBDom'
        ? [row.label, ...cells, TARGET, verdict(met)]
        : [row.label, ...cells, '—', '—'];
    }),
    [
      'Indented rows are the steps between: request start → answer is the server (plus the network); answer → ' +
        "B's feed message can be negative when B's feed beats A's own answer.",
      "keypress = A's capturing keydown listener; the key event's own timestamp (last row) is when the browser " +
        'took the input.',
      `B's clock − A's clock = ${ms(result.clock.offset)} ms ± ${ms(result.clock.uncertainty)} ms (corrected for); ` +
        `visibility: ${result.visibility}.`,
      `failed samples: ${result.failures.length} (any failure is a miss)` +
        (result.failures.length > 0 ? ` (${[...new Set(result.failures)].join('; ')})` : ''),
    ],
  );
  recordFigure({
    figure: 'keypress in tab A → DOM in tab B (p50 / p99)',
    database: engine,
    value: `${ms(headline.p50)} / ${ms(headline.p99)} ms`,
    target: `${TARGET} ms`,
    met,
    bench: 'npm run bench:keypress',
  });
}

function printSummary(all: EngineResult[]) {
  if (all.length < 2) return;
  const percentiles = (pick: (r: EngineResult) => number[]) =>
    all.map((r) => {
      const d = summarize(pick(r));
      return `${ms(d.p50)} / ${ms(d.p99)}`;
    });
  const split = (r: EngineResult) => splitSamples(r.result.samples, r.result.clock.offset);
  printTable(
    'Summary (p50 / p99 ms)',
    ['figure', ...all.map((r) => r.engine), 'target'],
    [
      ['keypress → B DOM', ...percentiles((r) => split(r).keyToBDom), TARGET],
      ['keypress → request start', ...percentiles((r) => split(r).keyToRequest), '—'],
      ['request start → answer', ...percentiles((r) => split(r).requestToAnswer), '—'],
      ["answer → B's feed message", ...percentiles((r) => split(r).answerToBFeed), '—'],
      ["B's feed message → B DOM", ...percentiles((r) => split(r).bFeedToBDom), '—'],
    ],
  );
}

runMain(async () => {
  const all = await withProductionBuild(argv, (build) =>
    forEachDatabase(argv, 'bench-keypress', (database) => runOn(build, database)),
  );
  printSummary(all);
});
