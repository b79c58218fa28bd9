/**
 * The two data-path figures of bench/data-path.ts, for any arm whose page follows the app's DOM conventions
 * (data-testid="todo-item" with data-id and the `done` class, `input.check`, data-testid="connection"
 * data-state="live"): click → optimistic DOM with a held server, and commit in tab A → DOM in tab B.
 */
import type { Browser } from '@playwright/test';
import { measureCrossTab, type Confirmation, type CrossTabResult } from '../data-path/cross-tab';
import { measureOptimisticUpdate, type OptimisticResult } from '../data-path/optimistic-update';
import { summarize } from '../support/stats';
import { DISTRIBUTION_HEADER, distributionCells, printTable } from '../support/table';

export interface DataPathOptions {
  samplesOptimistic: number;
  samplesCrossTab: number;
  delayMs: number;
}

export interface DataPathArm {
  name: string;
  optimistic: OptimisticResult;
  crossTab: CrossTabResult;
}

/** Measures one arm's server at `url`; `mutationPath` is part of the URL its checkbox's mutation posts to. */
export async function measureDataPathArm(
  browser: Browser,
  arm: { name: string; url: string; mutationPath: string; delayToken: string; confirmation?: Confirmation },
  options: DataPathOptions,
): Promise<DataPathArm> {
  console.log(
    `  ${arm.name}: ${options.samplesOptimistic} optimistic clicks (server holds ${options.delayMs} ms) …`,
  );
  const optimistic = await measureOptimisticUpdate(browser, arm.url, {
    samples: options.samplesOptimistic,
    delayMs: options.delayMs,
    delayToken: arm.delayToken,
    mutationPath: arm.mutationPath,
    confirmation: arm.confirmation,
  });
  console.log(`  ${arm.name}: ${options.samplesCrossTab} cross-tab changes …`);
  const crossTab = await measureCrossTab(browser, arm.url, {
    samples: options.samplesCrossTab,
    mutationPath: arm.mutationPath,
    confirmation: arm.confirmation,
  });
  return { name: arm.name, optimistic, crossTab };
}

/** One table of every arm's distributions, so the side-by-side ratios can be read against them. */
export function printDataPathArms(arms: readonly DataPathArm[]): void {
  const rows = arms.flatMap((arm) => [
    [`${arm.name}: click → optimistic DOM`, ...distributionCells(summarize(arm.optimistic.dom))],
    [`${arm.name}: A response → B DOM`, ...distributionCells(summarize(arm.crossTab.responseToDom))],
    [`${arm.name}: A click → B DOM`, ...distributionCells(summarize(arm.crossTab.clickToDom))],
    [`${arm.name}: B feed message → B DOM`, ...distributionCells(summarize(arm.crossTab.feedToDom))],
    [`${arm.name}: A click → A response`, ...distributionCells(summarize(arm.crossTab.clickToResponse))],
  ]);
  printTable(
    'Data path, each arm on the same PostgreSQL database (page clocks)',
    ['measure', ...DISTRIBUTION_HEADER],
    rows,
    [
      ...arms.map(
        (arm) =>
          `${arm.name}: failed ${arm.optimistic.failures.length} optimistic / ${arm.crossTab.failures.length} cross-tab; ` +
          `reverted after settling ${arm.optimistic.revertedAfterSettle}` +
          (arm.crossTab.failures.length + arm.optimistic.failures.length > 0
            ? ` (${[...new Set([...arm.optimistic.failures, ...arm.crossTab.failures])].join('; ')})`
            : ''),
      ),
      '"B feed message" is the peer\'s own push: the data for this project, an invalidation event for the ' +
        'create-t3-app way (B then refetches the list).',
    ],
  );
}
