/**
 * `npm run bench:peers`, first half: the data path of this project beside the peers users would pick instead,
 * measured in one run on one fresh PostgreSQL database (the peers need a server database: Zero replicates from
 * one, the create-t3-app way queries one):
 *   - this project: its production build (`next start`), as bench/data-path.ts measures it;
 *   - the create-t3-app way (bench/peers/t3): tRPC + React Query onMutate + invalidation, a tRPC subscription
 *     invalidating other tabs;
 *   - Zero (bench/peers/zero): see peer-arms/zero.ts.
 * Figures: click → optimistic DOM with a server holding the mutation, and commit in tab A → DOM in tab B
 * (bench/data-path/*: the same code measures every arm). Each peer arm installs itself into its own folder on
 * first use (npm ci). Options: --samples-optimistic=30 --samples-cross-tab=100 --delay=300 --postgres=URL
 * --arms=t3,zero --build.
 *
 *   npx tsx bench/peers-data-path.ts [--build]
 */
import { randomBytes } from 'node:crypto';
import { numberOption, stringOption } from './support/args';
import { launchChromium } from './support/browser';
import { createPostgresDatabase, DEFAULT_POSTGRES_URL, requestedEngines, runMain } from './support/databases';
import { withProductionBuild } from './support/production-build';
import { startProductionServer } from './support/server';
import { summarize } from './support/stats';
import { ms } from './support/table';
import { compareSmallerIsBetter, recordComparison, type PeerName } from './peer-arms/comparison';
import { measureDataPathArm, printDataPathArms, type DataPathArm } from './peer-arms/data-path-arm';
import { measureT3, T3_ARM } from './peer-arms/t3';
import { measureZero, ZERO_ARM, type ZeroOutcome } from './peer-arms/zero';

const BENCH = 'npm run bench:peers';
/** The issue's target: tab A commit → tab B DOM at least this many times faster (p50) than the create-t3-app way. */
const CROSS_TAB_MIN_RATIO = 10;

const argv = process.argv.slice(2);
const options = {
  samplesOptimistic: numberOption(argv, 'samples-optimistic', 30),
  samplesCrossTab: numberOption(argv, 'samples-cross-tab', 100),
  delayMs: numberOption(argv, 'delay', 300),
};
const arms = new Set((stringOption(argv, 'arms') ?? 't3,zero').split(','));

function record(peer: PeerName, ours: DataPathArm, theirs: DataPathArm) {
  const pairs = [
    {
      figure: 'click → optimistic DOM, server holding 300 ms (p50)',
      pick: (arm: DataPathArm) => summarize(arm.optimistic.dom).p50,
    },
    {
      figure: 'tab A commit → tab B DOM (A response → B DOM, p50)',
      pick: (arm: DataPathArm) => summarize(arm.crossTab.responseToDom).p50,
      minRatio: peer === T3_ARM ? CROSS_TAB_MIN_RATIO : undefined,
    },
    {
      figure: 'tab A commit → tab B DOM (A response → B DOM, p99)',
      pick: (arm: DataPathArm) => summarize(arm.crossTab.responseToDom).p99,
    },
    {
      figure: 'tab A click → tab B DOM (upper bound, p50)',
      pick: (arm: DataPathArm) => summarize(arm.crossTab.clickToDom).p50,
    },
  ];
  for (const pair of pairs) {
    recordComparison(
      compareSmallerIsBetter({
        figure: pair.figure,
        peer,
        ours: pair.pick(ours),
        theirs: pair.pick(theirs),
        unit: 'ms',
        minRatio: pair.minRatio,
        bench: BENCH,
        format: ms,
      }),
    );
  }
}

function recordNotRun(peer: PeerName, reason: string) {
  for (const figure of [
    'click → optimistic DOM, server holding 300 ms (p50)',
    'tab A commit → tab B DOM (A response → B DOM, p50)',
  ]) {
    recordComparison({
      figure,
      peer,
      ours: '—',
      theirs: `not run: ${reason}`,
      ratio: null,
      target: '—',
      met: null,
      bench: BENCH,
    });
  }
}

runMain(async () => {
  const postgresUrl = requestedEngines(argv).postgresBaseUrl ?? DEFAULT_POSTGRES_URL;
  await withProductionBuild(argv, async (build) => {
    const database = await createPostgresDatabase(postgresUrl);
    if (!('postgresUrl' in database.config)) throw new Error('expected a PostgreSQL database');
    const databaseUrl = database.config.postgresUrl;
    const measured: DataPathArm[] = [];
    let zero: ZeroOutcome | null = null;
    try {
      const browser = await launchChromium();
      try {
        const delayToken = randomBytes(24).toString('hex');
        console.log(`\n══ this project (next start, build ${build.buildId}) on PostgreSQL …`);
        const server = await startProductionServer({
          appDir: build.dir,
          database,
          env: { ALLOW_TEST_DELAY: '1', TEST_DELAY_TOKEN: delayToken },
        });
        let ours: DataPathArm;
        try {
          ours = await measureDataPathArm(
            browser,
            {
              name: 'this project',
              url: server.url,
              mutationPath: '/api/trpc/mutators.setTodoCompleted',
              delayToken,
            },
            options,
          );
        } finally {
          await server.stop();
        }
        measured.push(ours);
        if (arms.has('t3')) {
          console.log(`\n══ ${T3_ARM} (bench/peers/t3) on the same database …`);
          const t3 = await measureT3(browser, databaseUrl, options);
          measured.push(t3);
          record(T3_ARM, ours, t3);
        }
        if (arms.has('zero')) {
          console.log(`\n══ ${ZERO_ARM} (bench/peers/zero) …`);
          zero = await measureZero(browser, options);
          if (zero.ran) {
            measured.push(zero.arm);
            record(ZERO_ARM, ours, zero.arm);
          } else {
            console.log(`  ${ZERO_ARM} did not run: ${zero.reason}`);
            recordNotRun(ZERO_ARM, zero.reason);
          }
        }
      } finally {
        await browser.close();
      }
    } finally {
      await database.dispose();
    }
    printDataPathArms(measured);
  });
});
