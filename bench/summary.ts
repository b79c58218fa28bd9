/**
 * One table of every headline figure the benches recorded (support/results.ts: `.bench-results/latest.json`), each
 * on PGlite and PostgreSQL beside its target, and how to reproduce them. The last step of `npm run bench`; its first
 * step is `--clear`, which forgets the figures of the previous run.
 *
 *   npx tsx bench/summary.ts [--clear]
 */
import { hasFlag } from './support/args';
import { runMain } from './support/databases';
import { clearComparisons, PEERS_FILE, readComparisons, times } from './peer-arms/comparison';
import { clearFigures, readFigures, RESULTS_FILE, type Figure } from './support/results';
import { printTable, verdict } from './support/table';

interface Row {
  figure: string;
  values: Partial<Record<Figure['database'], string>>;
  target: string;
  met: Partial<Record<Figure['database'], boolean | null>>;
  bench: string;
}

/** "ok" when every database met the target, "MISSED (postgres)" naming those that did not, "—" without one. */
function rowVerdict(row: Row): string {
  const entries = Object.entries(row.met).filter(([, met]) => met !== null && met !== undefined);
  if (entries.length === 0) return '—';
  const missed = entries.filter(([, met]) => met === false).map(([database]) => database);
  if (missed.length === 0) return verdict(true);
  return entries.length === 1 ? verdict(false) : `${verdict(false)} (${missed.join(', ')})`;
}

runMain(async () => {
  const argv = process.argv.slice(2);
  if (hasFlag(argv, 'clear')) {
    clearFigures();
    clearComparisons();
    console.log(`bench summary: cleared ${RESULTS_FILE} and ${PEERS_FILE}`);
    return;
  }

  const figures = readFigures();
  if (figures.length === 0) {
    console.log(
      `No figures recorded yet (${RESULTS_FILE}): run \`npm run bench\`, or any bench script, first.`,
    );
  } else {
    printFigures(figures);
  }
  printSideBySide();
});

/** The last table of `npm run bench`: this project beside each peer, figure by figure, with the ratio. */
function printSideBySide() {
  const comparisons = readComparisons();
  if (comparisons.length === 0) {
    console.log(`\nNo side-by-side figures recorded yet (${PEERS_FILE}): run \`npm run bench:peers\`.`);
    return;
  }
  printTable(
    'Side by side: this project and the peers users would pick instead (one run, same machine, same database and model script)',
    ['figure', 'this project', 'peer', "peer's figure", 'ratio (peer ÷ ours)', 'target', 'verdict'],
    comparisons.map((row) => [
      row.figure,
      row.ours,
      row.peer,
      row.theirs,
      times(row.ratio),
      row.target,
      row.met === null ? '—' : verdict(row.met),
    ]),
    [
      'ratio > 1: this project is that many times faster / smaller. Distributions and set-ups: `npm run bench:peers` ' +
        'prints them; bench/README.md describes each arm.',
    ],
  );
}

function printFigures(figures: Figure[]) {
  // One row per figure, in the order the benches recorded them.
  const rows = new Map<string, Row>();
  for (const figure of figures) {
    const row = rows.get(figure.figure) ?? {
      figure: figure.figure,
      values: {},
      target: figure.target,
      met: {},
      bench: figure.bench,
    };
    row.values[figure.database] = figure.value;
    row.met[figure.database] = figure.met;
    row.target = figure.target;
    rows.set(figure.figure, row);
  }

  const all = [...rows.values()];
  printTable(
    'Summary of the benchmarks: every headline figure beside its target',
    ['figure', 'PGlite', 'PostgreSQL', 'target', 'verdict'],
    all.map((row) => [
      row.figure,
      row.values.pglite ?? row.values.build ?? '—',
      row.values.postgres ?? (row.values.build ? '(no database)' : '—'),
      row.target,
      rowVerdict(row),
    ]),
  );

  const commands = new Map<string, boolean>();
  for (const row of all) {
    commands.set(row.bench, (commands.get(row.bench) ?? false) || row.values.postgres !== undefined);
  }
  console.log('\nReproduce (each prints its own tables with the full distributions; see bench/README.md):');
  for (const [command, postgres] of commands) {
    console.log(`  ${command}${postgres ? '   (add -- --postgres for PostgreSQL)' : ''}`);
  }
  console.log('  npm run bench   (all of them on both databases, then this summary)');
  console.log(
    `Figures from ${RESULTS_FILE}; a "build" figure does not depend on the database (shown under PGlite).`,
  );
}
