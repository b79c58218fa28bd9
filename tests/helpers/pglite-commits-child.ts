/**
 * Child process for tests/pglite-durability.test.ts: opens a PGlite folder the way the app does and makes
 * `count` commits, writing `BEGIN <i>` before each and `ACK <i>` once it is acknowledged, straight to fd 1 with
 * write(2), so that an strace of this process shows where each commit's fsync calls fall.
 *
 * Usage: tsx tests/helpers/pglite-commits-child.ts <folder> <count> <durable|relaxed>
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type PgliteDurability } from '@/framework/server/db/open';

async function main() {
  const [folder, countText, durability] = process.argv.slice(2);
  if (!folder || !countText || (durability !== 'durable' && durability !== 'relaxed')) {
    throw new Error('usage: pglite-commits-child.ts <folder> <count> <durable|relaxed>');
  }
  // No migrations: the test compares the flushes made before the first commit with the files of the folder, and
  // relation files the app's migrations create (more with every table added) are PostgreSQL's own to flush at
  // checkpoints (their creation is in the WAL), not part of the initdb files a new folder must flush first.
  const noMigrations = fs.mkdtempSync(path.join(os.tmpdir(), 'no-migrations-'));
  fs.mkdirSync(path.join(noMigrations, 'meta'));
  fs.writeFileSync(
    path.join(noMigrations, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }),
  );
  const handle = await openDatabase({
    pgliteDir: folder,
    durability: durability satisfies PgliteDurability,
    migrationsFolder: noMigrations,
  });
  try {
    await handle.db.execute(
      sql`CREATE TABLE IF NOT EXISTS durability_probe (id serial PRIMARY KEY, note text)`,
    );
    for (let i = 0; i < Number(countText); i++) {
      fs.writeSync(1, `BEGIN ${i}\n`);
      await handle.db.execute(sql`INSERT INTO durability_probe (note) VALUES (${`commit ${i}`})`);
      fs.writeSync(1, `ACK ${i}\n`);
    }
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
