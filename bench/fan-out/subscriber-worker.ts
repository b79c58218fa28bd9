/**
 * A worker thread holding a share of fan-out.ts's subscribers (./subscriber-pool.ts starts it). It opens them in
 * batches, records when each todo row reached each of them (epoch ms, taken as the bytes arrived), and reports a
 * row's arrivals once all of its subscribers have it; on `flush` it reports the rows some never received.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSseFeedSubscriber, type SseSubscriber } from '../support/sse-feed-subscriber';
import type { PoolCommand, WorkerJob, WorkerReport } from './subscriber-pool';

const job = workerData as WorkerJob;
const port = parentPort;
if (!port) throw new Error('subscriber-worker.ts runs as a worker thread');
const post = (report: WorkerReport) => port.postMessage(report);

/** Per todo row: arrival time at each of this worker's subscribers (NaN: not yet). */
const rows = new Map<string, { times: Float64Array; count: number }>();
const subscribers: SseSubscriber[] = [];
const stats = { duplicates: 0, interruptions: 0, messages: [] as string[] };
let ready = 0;

function onTodosSet(local: number, ids: readonly string[], at: number) {
  for (const id of ids) {
    let row = rows.get(id);
    if (!row) {
      row = { times: new Float64Array(job.count).fill(Number.NaN), count: 0 };
      rows.set(id, row);
    }
    if (!Number.isNaN(row.times[local] ?? 0)) {
      stats.duplicates++;
      continue;
    }
    row.times[local] = at;
    row.count++;
    if (row.count === job.count) post({ type: 'complete', id, times: row.times });
  }
}

async function open() {
  const deadline = Date.now() + job.timeoutMs;
  for (let start = 0; start < job.count; start += job.batch) {
    const end = Math.min(job.count, start + job.batch);
    for (let local = start; local < end; local++) {
      const global = job.offset + local;
      const url = job.urls[global % job.urls.length] ?? job.urls[0] ?? '';
      subscribers.push(
        openSseFeedSubscriber(url, job.cookie, {
          onReady: () => ready++,
          onTodosSet: (ids, at) => onTodosSet(local, ids, at),
          onInterrupted: (reason) => {
            stats.interruptions++;
            if (stats.messages.length < 5 && !stats.messages.includes(reason)) stats.messages.push(reason);
          },
        }),
      );
    }
    while (ready < end && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    post({ type: 'progress', ready });
    if (ready < end) {
      post({ type: 'failed', ready, messages: stats.messages });
      return;
    }
  }
  post({ type: 'opened', ready });
}

port.on('message', (command: PoolCommand) => {
  if (command.type !== 'flush') return;
  for (const [id, row] of rows) if (row.count < job.count) post({ type: 'partial', id, times: row.times });
  for (const subscriber of subscribers.splice(0)) subscriber.close();
  post({
    type: 'closed',
    duplicates: stats.duplicates,
    interruptions: stats.interruptions,
    messages: stats.messages,
  });
});

void open();
