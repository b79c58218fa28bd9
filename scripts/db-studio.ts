/**
 * `npm run db:studio`: drizzle-kit studio, but only after taking the PGlite folder lock, because studio would
 * otherwise open the folder beside a running app and silently lose one side's writes. Stop the app first.
 */
import './load-env';
import { spawn } from 'node:child_process';
import { acquirePgliteFolderLock } from '@/framework/server/db';
import { getEnv } from '@/server/env';

const env = getEnv();
try {
  // The lock is held for as long as this process lives, i.e. while studio runs as its child.
  if (!env.DATABASE_URL) acquirePgliteFolderLock(env.PGLITE_DIR);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const studio = spawn('drizzle-kit', ['studio', ...process.argv.slice(2)], { stdio: 'inherit' });
studio.on('exit', (code) => process.exit(code ?? 1));
