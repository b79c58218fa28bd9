/**
 * Cleanup on Ctrl-C. The server runs in its own process group (so that it can be stopped as a whole), which also
 * means a terminal's Ctrl-C does not reach it: without this, an interrupted bench would leave `next start`
 * running, a temporary build folder on disk and a bench database in PostgreSQL.
 */
type Task = () => unknown;

const tasks = new Set<Task>();
let installed = false;

/** Runs `task` if the process is interrupted before the returned function is called. */
export function onInterrupt(task: Task): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void interrupted(signal));
  }
  tasks.add(task);
  return () => tasks.delete(task);
}

async function interrupted(signal: string) {
  console.error(`\n${signal}: cleaning up …`);
  // Newest first: the server stops before its database and build folder go away.
  for (const task of [...tasks].reverse()) {
    try {
      await Promise.race([task(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
    }
  }
  process.exit(130);
}
