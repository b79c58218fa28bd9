/**
 * `npm run bench:peers`, second half: this project's copilot beside CopilotKit's (bench/peers/copilotkit, its own
 * package.json and lockfile, installed on first use), on one fresh PostgreSQL database and one scripted
 * OpenAI-compatible model script (the model calls addTodo({ text: 'bench' }), then answers "ok"):
 *   - tool-call overhead: the model's tool-call chunks sent → the tool result leaving the server's stream, minus
 *     the handler (this project: bench/chat-tool-overhead/measure.ts; CopilotKit: its src/tool-overhead.ts, the
 *     same measurement through `CopilotRuntime` + `copilotRuntimeNodeHttpEndpoint`), the arms alternating in
 *     rounds so that neither gets the quieter minute;
 *   - the JS the chat UI adds to a page (gzip): this project's from bench/first-load-js.ts (the JS opening the
 *     copilot panel loads, recorded earlier in the same `npm run bench`), CopilotKit's from its src/ui-size.ts.
 * Options: --samples=100 (per arm and round) --rounds=2 --warm-up=20 --postgres=URL.
 *
 *   npx tsx --conditions=react-server bench/peers-copilot.ts
 */
import './support/require-react-server';
import { spawn } from 'node:child_process';
import { startModelServer } from '../e2e/support/model-server';
import { measure, type Sample } from './chat-tool-overhead/measure';
import { compareSmallerIsBetter, recordComparison } from './peer-arms/comparison';
import { ensurePeerInstalled } from './peer-arms/install';
import { numberOption } from './support/args';
import { createPostgresDatabase, DEFAULT_POSTGRES_URL, requestedEngines, runMain } from './support/databases';
import { readFigures } from './support/results';
import { withRuntime } from './support/runtime';
import { summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable } from './support/table';

const BENCH = 'npm run bench:peers';
const PEER = 'CopilotKit';
/** The targets: our overhead ≤ ½ of CopilotKit's (p95); our chat UI JS ≤ 1/10 of theirs. */
const OVERHEAD_MIN_RATIO = 2;
const UI_MIN_RATIO = 10;
const PANEL_FIGURE = 'JS opening the copilot panel adds (gzip, lazy)';

const argv = process.argv.slice(2);
const options = {
  samples: numberOption(argv, 'samples', 100),
  rounds: numberOption(argv, 'rounds', 2),
  warmUp: numberOption(argv, 'warm-up', 20),
};

interface PeerSample {
  chunkToResult: number;
  handler: number;
}

/** Runs a Node script of the CopilotKit arm and parses the JSON line it prints last. */
async function runPeerScript<T>(dir: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, COPILOTKIT_TELEMETRY_DISABLED: 'true', DO_NOT_TRACK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    throw new Error(`node ${args.join(' ')} failed (${code}):\n${(stderr || stdout).slice(-3_000)}`);
  }
  return JSON.parse(last) as T;
}

runMain(async () => {
  const dir = ensurePeerInstalled('copilotkit');
  const postgresUrl = requestedEngines(argv).postgresBaseUrl ?? DEFAULT_POSTGRES_URL;
  const database = await createPostgresDatabase(postgresUrl);
  if (!('postgresUrl' in database.config)) throw new Error('expected a PostgreSQL database');
  const databaseUrl = database.config.postgresUrl;
  const ours: Sample[] = [];
  const theirs: PeerSample[] = [];
  const problems: string[] = [];
  const model = await startModelServer({ kind: 'text', chunks: ['(no script)'] });
  try {
    // The runtime migrates the database, so the peer's handler finds the same `users` and `todos` tables.
    await withRuntime(database, async (runtime) => {
      for (let round = 1; round <= options.rounds; round++) {
        console.log(`round ${round}/${options.rounds}: this project, ${options.samples} chat turns …`);
        const result = await measure(runtime, model, 'postgres', {
          samples: options.samples,
          warmUp: options.warmUp,
          seconds: 300,
          pauseMs: 5,
        });
        ours.push(...result.samples);
        if (result.failed > 0)
          problems.push(`this project: ${result.failed} failed (${result.errors.join('; ')})`);
        console.log(`round ${round}/${options.rounds}: ${PEER}, ${options.samples} chat turns …`);
        const peer = await runPeerScript<{ samples: PeerSample[]; failed: number; errors: string[] }>(dir, [
          'src/tool-overhead.ts',
          `--database-url=${databaseUrl}`,
          `--samples=${options.samples}`,
          `--warm-up=${options.warmUp}`,
          '--seconds=300',
        ]);
        theirs.push(...peer.samples);
        if (peer.failed > 0) problems.push(`${PEER}: ${peer.failed} failed (${peer.errors.join('; ')})`);
      }
    });
  } finally {
    await model.close();
    await database.dispose();
  }

  const oursOverhead = summarize(ours.map((s) => s.overhead));
  const theirsOverhead = summarize(theirs.map((s) => s.chunkToResult - s.handler));
  printTable(
    `Tool-call overhead, this project vs ${PEER} (same model script, same database; ${options.rounds} alternating rounds)`,
    ['measure', ...DISTRIBUTION_HEADER],
    [
      ['this project: overhead (chunk → result − handler)', ...distributionCells(oursOverhead)],
      ['this project: chunk → result', ...distributionCells(summarize(ours.map((s) => s.chunkToResult)))],
      [
        'this project: handler (addTodo via the executor)',
        ...distributionCells(summarize(ours.map((s) => s.handler))),
      ],
      [`${PEER}: overhead (chunk → result − handler)`, ...distributionCells(theirsOverhead)],
      [`${PEER}: chunk → result`, ...distributionCells(summarize(theirs.map((s) => s.chunkToResult)))],
      [`${PEER}: handler (one INSERT)`, ...distributionCells(summarize(theirs.map((s) => s.handler)))],
    ],
    [
      `${PEER}: @copilotkit/runtime 1.75.0, v1 \`actions\` on a BuiltInAgent (AI SDK 6, Chat Completions); the result is ` +
        'its TOOL_CALL_RESULT event; ours is the tool-output-available chunk of POST /api/chat.',
      ...(problems.length > 0 ? [`failures: ${problems.join(' | ')}`] : ['failed samples: 0']),
    ],
  );
  for (const [figure, pick] of [
    ['copilot tool-call overhead (p50)', 'p50'],
    ['copilot tool-call overhead (p95)', 'p95'],
  ] as const) {
    recordComparison(
      compareSmallerIsBetter({
        figure,
        peer: PEER,
        ours: oursOverhead[pick],
        theirs: theirsOverhead[pick],
        unit: 'ms',
        minRatio: pick === 'p95' ? OVERHEAD_MIN_RATIO : undefined,
        bench: BENCH,
        format: ms,
      }),
    );
  }

  console.log(`\n${PEER}: bundling a page with its chat UI (esbuild, minified) …`);
  const ui = await runPeerScript<{ baselineKb: number; chatKb: number; addedKb: number; lazyKb: number }>(
    dir,
    ['src/ui-size.ts'],
  );
  const panel = readFigures().find((figure) => figure.figure === PANEL_FIGURE && figure.amount !== undefined);
  printTable(
    'JS a chat UI adds to a page (gzip)',
    ['arm', 'added kB', 'how'],
    [
      [
        'this project',
        panel?.amount?.toFixed(1) ?? 'n/a',
        'scripts Chromium fetches on opening the copilot panel',
      ],
      [
        PEER,
        ui.addedKb.toFixed(1),
        `<CopilotKit><CopilotChat/></CopilotKit> page ${ui.chatKb} kB − empty React page ${ui.baselineKb} kB`,
      ],
    ],
    [
      `${PEER}'s chunks reached only by dynamic import() (not counted): ${ui.lazyKb} kB.`,
      ...(panel
        ? []
        : [`this project's figure is missing: run \`npm run bench:first-load\` first (it records it).`]),
    ],
  );
  recordComparison(
    panel?.amount === undefined
      ? {
          figure: 'JS the chat UI adds to a page (gzip)',
          peer: PEER,
          ours: 'not measured (npm run bench:first-load)',
          theirs: `${ui.addedKb.toFixed(1)} kB`,
          ratio: null,
          target: `≥ ${UI_MIN_RATIO}×`,
          met: null,
          bench: BENCH,
        }
      : compareSmallerIsBetter({
          figure: 'JS the chat UI adds to a page (gzip)',
          peer: PEER,
          ours: panel.amount,
          theirs: ui.addedKb,
          unit: 'kB',
          minRatio: UI_MIN_RATIO,
          bench: BENCH,
        }),
  );
});
