/**
 * Start-up checks for a server process: validate the environment and open (and migrate) the database now, so that
 * a bad variable or a PGlite folder held by another process stops start-up with a clear message instead of failing
 * the first request.
 */
import { getRuntime } from './instance';
import { getEnv } from './env';

export async function runStartupChecks(): Promise<void> {
  try {
    getEnv();
    await getRuntime();
  } catch (error) {
    console.error(`\n[startup] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
