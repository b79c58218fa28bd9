/**
 * What the copilot's chat path adds around a tool call: from the moment the model has finished sending its
 * tool-call chunks (finish_reason included) to the moment the tool's result chunk (`tool-output-available`) comes
 * out of POST /api/chat's UI message stream, minus the tool handler's own time (callTool through the executor).
 * That difference is the AI SDK's parsing, validation and scheduling plus the handler's stream plumbing: the
 * overhead a tool call pays on top of the work it does. Target ≤ 5 ms.
 *
 * In-process, no Next, no browser: the scripted OpenAI-compatible model server (e2e/support/model-server.ts) on a
 * local port, so the app's real AI SDK provider code parses real SSE, and `handleChat` called directly with a
 * Request, its response stream read as it arrives. One clock: the model server, the tool timing hook and the reader
 * all take performance.now() in this process.
 *
 * Server modules import 'server-only', so run with the react-server condition:
 *   npx tsx --conditions=react-server bench/chat-tool-overhead.ts [--postgres[=URL]] [--samples=200] [--warm-up=20]
 *     [--seconds=120] [--pause-ms=5]
 */
import './support/require-react-server';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { measure, type EngineResult } from './chat-tool-overhead/measure';
import { numberOption } from './support/args';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { recordFigure } from './support/results';
import { withRuntime } from './support/runtime';
import { summarize, type Distribution } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';

const TARGET_MS = 5;
const argv = process.argv.slice(2);
const options = {
  samples: numberOption(argv, 'samples', 200),
  warmUp: numberOption(argv, 'warm-up', 20),
  /** The measured samples stop here even if fewer than --samples were taken. */
  seconds: numberOption(argv, 'seconds', 120),
  /** A quiet moment between samples, after the previous turn's feed reads have settled. */
  pauseMs: numberOption(argv, 'pause-ms', 5),
};

function print(result: EngineResult) {
  const overhead = summarize(result.samples.map((s) => s.overhead));
  const row = (figure: string, distribution: Distribution, target: string, met?: boolean) => [
    figure,
    ...distributionCells(distribution),
    target,
    met === undefined ? '—' : verdict(met),
  ];
  recordFigure({
    figure: 'copilot tool-call overhead (p50 / p95)',
    database: result.engine,
    value: `${ms(overhead.p50)} / ${ms(overhead.p95)} ms`,
    target: `p95 ≤ ${TARGET_MS} ms`,
    met: overhead.p95 <= TARGET_MS,
    bench: 'npm run bench:chat',
  });
  printTable(
    `${result.engine}: copilot tool-call overhead, model's tool-call chunk → tool-result chunk (verdict on p95)`,
    ['figure', ...DISTRIBUTION_HEADER, 'target', 'verdict'],
    [
      row(
        'overhead (chunk → result − handler)',
        overhead,
        `p95 ≤ ${TARGET_MS} ms`,
        overhead.p95 <= TARGET_MS,
      ),
      row('tool-call chunk → tool-result chunk', summarize(result.samples.map((s) => s.chunkToResult)), '—'),
      row('handler (callTool: addTodo)', summarize(result.samples.map((s) => s.handler)), '—'),
      row('  of the overhead: chunk → handler start', summarize(result.samples.map((s) => s.toHandler)), '—'),
      row(
        '  of the overhead: handler end → result',
        summarize(result.samples.map((s) => s.fromHandler)),
        '—',
      ),
    ],
    [
      `one addTodo call per turn; ${options.warmUp} warm-up turns not counted; mean overhead ${ms(overhead.mean)} ms.`,
      `failed samples: ${result.failed}` +
        (result.timedOut ? `; stopped at the ${options.seconds} s limit after ${result.samples.length}` : ''),
      ...(result.errors.length > 0 ? [`errors: ${result.errors.join('; ')}`] : []),
    ],
  );
}

async function runOn(database: BenchDatabase, model: ModelServer) {
  console.log(
    `\n══ ${database.engine} ══ ${options.warmUp} warm-up + ${options.samples} chat turns (≤ ${options.seconds} s) …`,
  );
  await withRuntime(database, async (runtime) =>
    print(await measure(runtime, model, database.engine, options)),
  );
}

runMain(async () => {
  const model = await startModelServer({ kind: 'text', chunks: ['(no script)'] });
  try {
    await forEachDatabase(argv, 'bench-chat', (database) => runOn(database, model));
  } finally {
    await model.close();
  }
});
