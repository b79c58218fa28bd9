/**
 * `npm run client:example [base-url]`: the typed client against a running server (`npm run dev` first), showing
 * each kind of call. With APP_TOKEN (an API token from the settings page) it acts as that user, and its changes
 * appear live in that user's open tabs; without one it acts as a new anonymous user.
 */
import { createClient } from '@/client/create-client';

async function main() {
  const url = process.argv[2] ?? process.env.APP_URL ?? 'http://localhost:3000';
  const client = createClient({ url, token: process.env.APP_TOKEN });

  // A query: fully typed, `todos` has the procedure's own return type (dates are Dates).
  const todos = await client.todos.list.query();
  console.log(`${todos.length} todos at ${url}:`);
  for (const todo of todos) console.log(`  [${todo.completed ? 'x' : ' '}] ${todo.text}`);

  // A mutator: the same change a click makes, through the same executor.
  await client.mutators.addTodo.mutate({
    args: {
      id: crypto.randomUUID(),
      text: 'Added by the example script',
      position: Date.now(),
      createdAt: new Date(),
    },
  });

  // Actions: synchronous (await the result) and batch (per-item results).
  const summary = await client.actions.summarizeTodos.mutate({});
  console.log(`summary: ${summary.open} open, ${summary.done} done`);
  const batch = await client.actions.addTodos.mutate({
    items: ['First of a batch', 'Second of a batch'].map((text, index) => ({
      id: crypto.randomUUID(),
      text,
      position: Date.now() + index + 1,
    })),
    createdAt: new Date(),
  });
  console.log(
    `batch: ${batch.results.filter((result) => result.ok).length} of ${batch.results.length} added`,
  );

  // Asynchronous: enqueue a durable run and follow it through the change feed (SSE) until it ends.
  const { runId } = await client.enqueue.tidyUp.mutate({ delayMsPerTodo: 50 });
  await new Promise<void>((resolve, reject) => {
    const feed = client.sync.changes.subscribe(
      { lastEventId: null },
      {
        onData: ({ data }) => {
          const rows = data.type === 'reset' ? data.snapshot.tables.actionRuns : [];
          const changed = data.type === 'changes' ? data.changes : [];
          for (const change of changed)
            if (change.table === 'actionRuns' && change.op === 'set') rows.push(change.row);
          const run = rows.find((row) => row.id === runId);
          if (!run) return;
          console.log(
            `run ${run.status}${run.progress === null ? '' : ` ${Math.round(run.progress * 100)} %`}`,
          );
          if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') {
            feed.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      },
    );
  });

  // Streaming straight to the caller (needs a model configured on the server).
  const status = await client.copilot.status.query();
  if (!status.configured) {
    console.log(`streaming skipped: ${status.message}`);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = client.streams.draftTodo.subscribe(
      { prompt: 'something for the weekend' },
      {
        onData: (part) => {
          if (!part.done) return;
          console.log(`draft: ${part.text}`);
          stream.unsubscribe();
          resolve();
        },
        onError: reject,
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error(`The example failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
