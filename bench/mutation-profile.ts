/**
 * Where addTodo's extra time per mutation goes (issue 17): the arms of mutation-throughput.ts, each run once for
 * --seconds with the server's main thread under a CPU profile (node:inspector, in-process; the clients run in a
 * worker thread, outside it) and its SQL statements counted and timed by kind (mutation-throughput/sql-counter.ts).
 * Prints, per arm and per mutation: CPU ms by part of the path (mutation-throughput/profile-parts.ts), the
 * statements (count and ms), and the own functions with the most inclusive time; writes the profiles to --out.
 *
 *   npx tsx --conditions=react-server bench/mutation-profile.ts [--postgres] [--clients=8] [--seconds=5] [--out=DIR]
 *
 * Profiling slows the server down (a sample every 0.5 ms): read the parts as shares, not as the bench's rates.
 */
import './support/require-react-server';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import type { Runtime } from '@/framework/server';
import { numberOption } from './support/args';
import type { CpuProfile } from './support/cpu-profile';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { withRuntime } from './support/runtime';
import { ms, printTable } from './support/table';
import { ARM_NAMES, type ArmName } from './mutation-throughput/arms';
import { newSessionCookies } from './mutation-throughput/clients';
import { startBenchServer } from './mutation-throughput/http-server';
import { profileParts } from './mutation-throughput/profile-parts';
import { runArm } from './mutation-throughput/run-arm';
import { countStatements, type Tally } from './mutation-throughput/sql-counter';

const SESSION_SECRET = 'bench-session-secret-with-at-least-32-chars';
const argv = process.argv.slice(2);
const options = {
  clients: numberOption(argv, 'clients', 8),
  seconds: numberOption(argv, 'seconds', 5),
  out:
    argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length) ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-profile-')),
};

interface ArmProfile {
  mutations: number;
  perSecond: number;
  parts: Map<string, number>;
  ownFunctions: Map<string, number>;
  totalUs: number;
  statements: Map<string, Tally>;
}

async function profileArms(engine: BenchDatabase['engine'], runtime: Runtime) {
  const server = await startBenchServer(runtime, SESSION_SECRET);
  const session = new Session();
  session.connect();
  const counter = countStatements(runtime.engine);
  try {
    const cookies = await newSessionCookies(options.clients, runtime, SESSION_SECRET);
    const job = (arm: ArmName, durationMs: number, run: string) => ({
      url: server.url,
      arm,
      cookies,
      durationMs,
      run,
    });
    for (const arm of ARM_NAMES) await runArm(job(arm, 1_000, `warm-up-${arm}`));
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    const results = new Map<ArmName, ArmProfile>();
    for (const arm of ARM_NAMES) {
      counter.take();
      await session.post('Profiler.start');
      const load = await runArm(job(arm, options.seconds * 1000, 'profiled'));
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
      const statements = counter.take();
      const file = path.join(options.out, `${engine}-${arm.replace(/\W+/g, '-')}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      results.set(arm, {
        mutations: load.completed,
        perSecond: load.perSecond,
        statements,
        ...profileParts(profile),
      });
      if (load.failed > 0) console.log(`${arm}: ${load.failed} failed: ${load.errors.join('; ')}`);
    }
    return results;
  } finally {
    counter.dispose();
    session.disconnect();
    await server.close();
  }
}

function print(engine: BenchDatabase['engine'], results: Map<ArmName, ArmProfile>) {
  const arms = [...results.entries()];
  const perMutation = (arm: ArmProfile, us: number) => ms(us / 1000 / arm.mutations);
  const union = (pick: (arm: ArmProfile) => Map<string, number>) => {
    const keys = new Map<string, number>();
    for (const [, arm] of arms)
      for (const [key, us] of pick(arm)) keys.set(key, Math.max(keys.get(key) ?? 0, us / arm.mutations));
    return [...keys.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key);
  };
  const busyUs = (arm: ArmProfile) =>
    arm.totalUs - (arm.parts.get('(idle)') ?? 0) - (arm.parts.get('(program)') ?? 0);
  printTable(
    `${engine}: server main thread, CPU ms per mutation by part (profiled, ${options.clients} clients, ${options.seconds} s per arm)`,
    ['part', ...arms.map(([name]) => name)],
    [
      ['mutations/s (profiled)', ...arms.map(([, arm]) => arm.perSecond.toFixed(0))],
      ['wall ms per mutation', ...arms.map(([, arm]) => perMutation(arm, arm.totalUs))],
      ['busy ms per mutation', ...arms.map(([, arm]) => perMutation(arm, busyUs(arm)))],
      ...union((arm) => arm.parts).map((part) => [
        part,
        ...arms.map(([, arm]) => perMutation(arm, arm.parts.get(part) ?? 0)),
      ]),
    ],
    [
      'busy = all samples but (idle) and (program); each sample goes to the first part whose rule matches its stack.',
    ],
  );
  const statementRows = union((arm) => new Map([...arm.statements].map(([kind, t]) => [kind, t.count])));
  printTable(
    `${engine}: SQL statements per mutation (count, and ms each on average)`,
    ['statement', ...arms.flatMap(([name]) => [`${name} /mut`, 'ms each'])],
    [
      ...statementRows.map((kind) => [
        kind,
        ...arms.flatMap(([, arm]) => {
          const tally = arm.statements.get(kind);
          return tally ? [(tally.count / arm.mutations).toFixed(2), ms(tally.ms / tally.count)] : ['0', '—'];
        }),
      ]),
      [
        'all',
        ...arms.flatMap(([, arm]) => {
          const all = [...arm.statements.values()];
          const count = all.reduce((sum, t) => sum + t.count, 0);
          return [(count / arm.mutations).toFixed(2), ms(all.reduce((sum, t) => sum + t.ms, 0) / count)];
        }),
      ],
    ],
    [
      'PostgreSQL: from the driver call to its result (a round trip). PGlite: execution inside its query lock.',
      'Mutations per batch (group commit) = 1 ÷ BEGIN per mutation.',
    ],
  );
  printTable(
    `${engine}: own functions, inclusive CPU ms per mutation (top 25)`,
    ['function file', ...arms.map(([name]) => name)],
    union((arm) => arm.ownFunctions)
      .slice(0, 25)
      .map((name) => [name, ...arms.map(([, arm]) => perMutation(arm, arm.ownFunctions.get(name) ?? 0))]),
  );
}

runMain(async () => {
  fs.mkdirSync(options.out, { recursive: true });
  await forEachDatabase(argv, 'bench-mutation-profile', async (database) => {
    console.log(`\n══ ${database.engine} ══ profiling ${ARM_NAMES.length} arms × ${options.seconds} s …`);
    await withRuntime(database, async (runtime) =>
      print(database.engine, await profileArms(database.engine, runtime)),
    );
  });
  console.log(`\nprofiles: ${options.out} (npx tsx bench/profile-summary.ts ${options.out})`);
});
