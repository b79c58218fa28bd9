/**
 * Next calls register() once when a server process starts: validate the environment and open (and migrate) the
 * database now, so that a bad variable or a PGlite folder held by another process stops start-up with a clear
 * message instead of failing the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getEnv } = await import('./server/env');
  const { getDatabase } = await import('./server/db');
  try {
    getEnv();
    await getDatabase();
  } catch (error) {
    console.error(`\n[startup] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
