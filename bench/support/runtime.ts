/**
 * An in-process server runtime over a bench database (needs `tsx --conditions=react-server`, see
 * require-react-server.ts), closed cleanly afterwards.
 */
import { openDatabase } from '@/framework/server';
import { type Runtime } from '@/framework/server';
import type { BenchDatabase } from './databases';
import { syncServer } from '@/server/sync';

export async function withRuntime<T>(
  database: BenchDatabase,
  use: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const runtime = await syncServer.createRuntime(await openDatabase(database.config));
  try {
    return await use(runtime);
  } finally {
    // runtime.close() does not wait for a feed read that the last commits' pokes started; letting it finish first
    // keeps it from running against an already closed database.
    await runtime.feed.refresh().catch(() => undefined);
    await runtime.close();
  }
}
