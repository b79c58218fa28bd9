/**
 * Runs one arm's closed-loop load in a worker thread, so that the clients' CPU (tRPC client, superjson, fetch)
 * does not share the event loop with the server under test.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runClosedLoop } from '../support/load';
import { sendOne, type ArmName } from './arms';
import { createBenchClient } from './clients';

export interface LoadJob {
  url: string;
  arm: ArmName;
  /** One session cookie per client. */
  cookies: string[];
  durationMs: number;
  /** Names this run, for the clients' ids. */
  run: string;
}

const job = workerData as LoadJob;
const clients = job.cookies.map((cookie) => createBenchClient(job.url, cookie));
const result = await runClosedLoop({
  clients: clients.length,
  durationMs: job.durationMs,
  send: async (index, seq) => {
    const client = clients[index];
    if (!client) throw new Error(`no client ${index}`);
    return sendOne(job.arm, client, index, seq, job.run);
  },
});
parentPort?.postMessage(result);
