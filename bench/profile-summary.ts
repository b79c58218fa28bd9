/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile | folder> [--top=25] [--window=FROM-TO]`: where a V8 CPU profile (from
 * `BENCH_CPU_PROF=<folder>` on the benches that start `next start`, or `node --cpu-prof`) spent its time, as
 * tables: self time by package (or by project folder, or "node:" internals), and the functions with the most self
 * time. The bench README quotes these to show what bounds a figure. `--window` keeps the samples between two
 * monotonic-clock microsecond times, as fan-out.ts prints them around its measured changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { numberOption } from './support/args';
import { summarizeProfile } from './support/cpu-profile';
import { runMain } from './support/databases';

runMain(async () => {
  const argv = process.argv.slice(2);
  const target = argv.find((arg) => !arg.startsWith('--'));
  if (!target)
    throw new Error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile | folder> [--top=25]');
  const top = numberOption(argv, 'top', 25);
  const windowArg = argv.find((arg) => arg.startsWith('--window='))?.slice('--window='.length);
  const bounds = windowArg?.split('-').map(Number);
  const window =
    bounds && bounds.length === 2 && bounds.every(Number.isFinite)
      ? ([bounds[0] ?? 0, bounds[1] ?? 0] as const)
      : undefined;
  if (windowArg !== undefined && !window)
    throw new Error(`--window=${windowArg}: expected FROM-TO (microseconds)`);
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => path.join(target, name))
    : [target];
  for (const file of files) summarizeProfile(file, top, window);
});
