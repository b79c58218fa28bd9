/**
 * Sustained load against the production build (a copy of the checkout's `.next`, or with --build a private build of
 * the working tree, as data-path.ts): 500 change-feed subscribers — 50 users × 10 tabs, each user made by a first
 * request and its cookie shared by its 10 tabs — while addTodo mutations arrive at a steady 200/s for 60 s
 * (open loop: each is sent at its scheduled time, whatever the previous ones are doing; mutation k is made by user
 * k mod 50 through that user's typed client). Every mutation is expected at each of its user's tabs, and at no
 * other user's. Reported: errors (failed mutations, subscription errors, reconnects, rows delivered to another user:
 * must be 0), the achieved rate, delivery lag (mutation response → a tab received it) p50/p99, lost deliveries, and
 * the server process's RSS (VmRSS of the next-server process) after the warm-up and at the end: "memory flat" when
 * end ≤ 1.25 × start.
 *
 * Runs on a throwaway PGlite folder, and also on a fresh PostgreSQL database with --postgres[=URL] or
 * BENCH_DATABASE_URL. Options: --subscribers=500 --tabs=10 --rate=200 --seconds=60 --warm-up=20 --max-in-flight=500
 * --drain-ms=10000.
 *
 *   npx tsx bench/sustained-load.ts [--build] [--postgres] [--seconds=20]
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance as eventLoop } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type AppClient } from '@/client/create-client';
import { numberOption } from './support/args';
import type { BuildSnapshot } from './support/build-snapshot';
import { forEachDatabase, runMain, type BenchDatabase } from './support/databases';
import { newUserCookie, openFeedSubscribers } from './support/feed-subscribers';
import { withProductionBuild } from './support/production-build';
import { cpuSeconds, mb, pidListeningOn, processName, readRssBytes } from './support/process-stats';
import { recordFigure } from './support/results';
import { startProductionServer } from './support/server';
import { summarize } from './support/stats';
import { DISTRIBUTION_HEADER, distributionCells, ms, printTable, verdict } from './support/table';

const FLAT_FACTOR = 1.25;
/** The achieved rate must be within this fraction of the asked one for the load to count as sustained. */
const RATE_TOLERANCE = 0.95;
const BENCH = 'npm run bench:load';
/** After the drain: how long the deliveries of mutations answered by then may still take. */
const DELIVERY_GRACE_MS = 3_000;

const argv = process.argv.slice(2);
const subscribers = numberOption(argv, 'subscribers', 500);
const tabs = Math.min(subscribers, numberOption(argv, 'tabs', 10));
const options = {
  subscribers,
  tabs,
  users: Math.ceil(subscribers / tabs),
  rate: numberOption(argv, 'rate', 200),
  seconds: numberOption(argv, 'seconds', 60),
  /** Long enough for the server's heap to settle (in trials at 40/s its RSS grew for 20–30 s, then stayed flat). */
  warmUp: numberOption(argv, 'warm-up', 20),
  /** Bounds the mutations waiting for an answer; beyond it the schedule slips (counted). */
  maxInFlight: numberOption(argv, 'max-in-flight', 500),
  /** After the last send: how long answers and deliveries may still take before the rest count as lost. */
  drainMs: numberOption(argv, 'drain-ms', 10_000),
};

interface Mutation {
  user: number;
  sentAt: number;
  respondedAt: number;
  measured: boolean;
  /** Arrival time at each of the user's tabs (NaN: not yet). */
  arrivals: Float64Array;
  received: number;
}

interface RssSample {
  atS: number;
  rss: number;
}

interface LoadResult {
  /** rate × (warm-up + seconds). */
  scheduled: number;
  /** Sent within the window (fewer than scheduled when the server fell --max-in-flight behind). */
  sent: number;
  completed: number;
  /** Mutations answered with an error. */
  failedMutations: number;
  /** Mutations still unanswered at the end of the drain: the server fell behind the rate. */
  unanswered: number;
  mutationErrors: string[];
  /** Sends that went out later than scheduled because --max-in-flight were unanswered. */
  slipped: number;
  measuredCompleted: number;
  /** Measured mutations completed ÷ (last measured answer − end of warm-up). */
  achievedPerSecond: number;
  /** Per delivery: mutation response → the tab received it (measured window). */
  lag: number[];
  /** Per delivery: mutation sent → the tab received it (measured window). */
  sendToDelivery: number[];
  roundTrip: number[];
  expected: number;
  received: number;
  duplicates: number;
  /** Rows delivered to a tab of another user than the one that made them. */
  misdelivered: number;
  subscriptionErrors: number;
  reconnects: number;
  errorMessages: readonly string[];
  connectMs: number;
  server: {
    name: string;
    rssIdle: number;
    rssConnected: number;
    rssStart: number;
    rssEnd: number;
    rssMax: number;
    samples: RssSample[];
    /** CPU the server used during the measured window, in cores (1 = one core busy all the time). */
    cpuCores: number;
  };
  bench: { rssEnd: number; elu: number };
  /** The machine's 1-minute load average before and after (other processes share the CPU). */
  loadAverage: [number, number];
}

async function measureLoad(url: string, serverPid: number | null): Promise<LoadResult> {
  const rssOfServer = () => (serverPid === null ? Number.NaN : readRssBytes(serverPid));
  const cpuOfServer = () => (serverPid === null ? Number.NaN : cpuSeconds(serverPid));
  const rssIdle = rssOfServer();
  const loadBefore = os.loadavg()[0] ?? Number.NaN;

  const cookies = await Promise.all(Array.from({ length: options.users }, () => newUserCookie(url)));
  const writers: AppClient[] = cookies.map((cookie) => createClient({ url, sessionCookie: cookie }));
  const mutations = new Map<string, Mutation>();
  let duplicates = 0;
  let misdelivered = 0;

  const connectStart = performance.now();
  const feed = await openFeedSubscribers({
    url,
    // Subscriber s is tab s mod tabs of user ⌊s / tabs⌋.
    cookies: Array.from(
      { length: options.subscribers },
      (_, s) => cookies[Math.floor(s / options.tabs)] ?? '',
    ),
    onTodoSet: (subscriber, todoId, at) => {
      const mutation = mutations.get(todoId);
      if (!mutation) return; // A seeded row, or one this bench did not make.
      if (Math.floor(subscriber / options.tabs) !== mutation.user) {
        misdelivered++;
        return;
      }
      const tab = subscriber % options.tabs;
      if (!Number.isNaN(mutation.arrivals[tab] ?? 0)) {
        duplicates++;
        return;
      }
      mutation.arrivals[tab] = at;
      mutation.received++;
    },
  });
  const connectMs = performance.now() - connectStart;
  const rssConnected = rssOfServer();
  // The tabs of the last user, when --subscribers is not a multiple of --tabs.
  const tabsOf = (user: number) => Math.min(options.tabs, options.subscribers - user * options.tabs);

  const samples: RssSample[] = [];
  const loadStart = performance.now();
  const sampler = setInterval(() => {
    samples.push({ atS: (performance.now() - loadStart) / 1000, rss: rssOfServer() });
  }, 1_000);

  let failedMutations = 0;
  const errors = new Set<string>();
  let inFlight = 0;
  let slipped = 0;
  let measuredCompleted = 0;
  let lastMeasuredAnswer = Number.NaN;
  const intervalMs = 1000 / options.rate;
  const total = Math.round(options.rate * (options.warmUp + options.seconds));
  const warmUpEnd = loadStart + options.warmUp * 1000;
  let rssStart = Number.NaN;
  let cpuStart = Number.NaN;
  let elu = eventLoop.eventLoopUtilization();

  const send = (k: number) => {
    const id = randomUUID();
    const user = k % options.users;
    const sentAt = performance.now();
    const measured = sentAt >= warmUpEnd;
    const mutation: Mutation = {
      user,
      sentAt,
      respondedAt: Number.NaN,
      measured,
      arrivals: new Float64Array(tabsOf(user)).fill(Number.NaN),
      received: 0,
    };
    // Registered before it is sent: the feed may deliver it before its answer arrives.
    mutations.set(id, mutation);
    inFlight++;
    const writer = writers[user];
    if (!writer) throw new Error(`no writer for user ${user}`);
    writer.mutators.addTodo
      .mutate({ args: { id, text: `load ${k}`, position: 1_000 + k, createdAt: new Date() } })
      .then(
        () => {
          mutation.respondedAt = performance.now();
          if (measured) {
            measuredCompleted++;
            lastMeasuredAnswer = Number.isNaN(lastMeasuredAnswer)
              ? mutation.respondedAt
              : Math.max(lastMeasuredAnswer, mutation.respondedAt);
          }
        },
        (error: unknown) => {
          mutations.delete(id);
          failedMutations++;
          if (errors.size < 5) errors.add(error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => inFlight--);
  };

  let next = 0;
  let answeredInDrain = new Set<Mutation>();
  let rssEnd = Number.NaN;
  let cpuEnd = Number.NaN;
  let benchElu = Number.NaN;
  try {
    // Open loop: mutation k is due at loadStart + k × interval; bounded by `total` sends and by the window (when
    // the server falls behind, --max-in-flight holds sends back and the ones not sent by the end are counted).
    const windowEnd = loadStart + (options.warmUp + options.seconds) * 1000;
    while (next < total && performance.now() < windowEnd) {
      const now = performance.now();
      if (Number.isNaN(rssStart) && now >= warmUpEnd) {
        rssStart = rssOfServer();
        cpuStart = cpuOfServer();
        elu = eventLoop.eventLoopUtilization();
      }
      while (next < total && loadStart + next * intervalMs <= now && inFlight < options.maxInFlight) {
        if (now - (loadStart + next * intervalMs) > intervalMs) slipped++;
        send(next++);
      }
      const wait = inFlight >= options.maxInFlight ? 1 : loadStart + next * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    rssEnd = rssOfServer();
    cpuEnd = cpuOfServer();
    benchElu = eventLoop.eventLoopUtilization(elu).utilization;

    // Drain: answers still in flight, deliveries still on their way.
    const drainDeadline = performance.now() + options.drainMs;
    const outstanding = () =>
      [...mutations.values()].some((m) => Number.isNaN(m.respondedAt) || m.received < m.arrivals.length);
    while ((inFlight > 0 || outstanding()) && performance.now() < drainDeadline) await sleep(50);
    // Mutations answered by then get a moment more for their deliveries (one answered at the very end of the drain
    // would otherwise count as lost); answers arriving later still count as unanswered.
    answeredInDrain = new Set([...mutations.values()].filter((m) => !Number.isNaN(m.respondedAt)));
    const graceDeadline = performance.now() + DELIVERY_GRACE_MS;
    const undelivered = () => [...answeredInDrain].some((m) => m.received < m.arrivals.length);
    while (undelivered() && performance.now() < graceDeadline) await sleep(50);
  } finally {
    clearInterval(sampler);
    feed.close();
  }

  const lag: number[] = [];
  const sendToDelivery: number[] = [];
  const roundTrip: number[] = [];
  let expected = 0;
  let received = 0;
  for (const mutation of answeredInDrain) {
    expected += mutation.arrivals.length;
    received += mutation.received;
    if (!mutation.measured) continue;
    roundTrip.push(mutation.respondedAt - mutation.sentAt);
    for (const at of mutation.arrivals) {
      if (Number.isNaN(at)) continue;
      lag.push(at - mutation.respondedAt);
      sendToDelivery.push(at - mutation.sentAt);
    }
  }
  const unanswered = mutations.size - answeredInDrain.size;
  const answered = answeredInDrain.size;
  const measuredSeconds = (lastMeasuredAnswer - warmUpEnd) / 1000;

  // The server ends the streams once it sees the connections close.
  await sleep(1_000);
  return {
    scheduled: total,
    sent: next,
    completed: answered,
    failedMutations,
    unanswered,
    mutationErrors: [...errors],
    slipped,
    measuredCompleted,
    achievedPerSecond: measuredSeconds > 0 ? measuredCompleted / measuredSeconds : Number.NaN,
    lag,
    sendToDelivery,
    roundTrip,
    expected,
    received,
    duplicates,
    misdelivered,
    subscriptionErrors: feed.errors,
    reconnects: feed.reconnects,
    errorMessages: feed.errorMessages,
    connectMs,
    server: {
      name: serverPid === null ? '?' : processName(serverPid),
      rssIdle,
      rssConnected,
      rssStart,
      rssEnd,
      rssMax: Math.max(...samples.map((s) => s.rss).filter(Number.isFinite), rssEnd),
      samples,
      cpuCores: (cpuEnd - cpuStart) / options.seconds,
    },
    bench: { rssEnd: process.memoryUsage().rss, elu: benchElu },
    loadAverage: [loadBefore, os.loadavg()[0] ?? Number.NaN],
  };
}

function verdicts(r: LoadResult) {
  const errors = r.failedMutations + r.unanswered + r.subscriptionErrors + r.reconnects + r.misdelivered;
  const lost = r.expected - r.received;
  const growth = r.server.rssEnd / r.server.rssStart;
  return {
    errors,
    lost,
    growth,
    noErrors: errors === 0 && lost === 0 && r.duplicates === 0,
    flat: Number.isFinite(growth) && growth <= FLAT_FACTOR,
    rateMet: r.achievedPerSecond >= options.rate * RATE_TOLERANCE,
  };
}

function print(engine: BenchDatabase['engine'], r: LoadResult) {
  const v = verdicts(r);
  const label = `${options.subscribers} subscribers (${options.users} users × ${options.tabs} tabs), ${options.rate}/s, ${options.seconds} s`;
  const lagSummary = summarize(r.lag);
  const middle = r.server.samples.find((sample) => sample.atS >= options.warmUp + options.seconds / 2);
  const secondHalf = middle
    ? `${mb(middle.rss)} → ${mb(r.server.rssEnd)} MB (${(r.server.rssEnd / middle.rss).toFixed(2)}×)`
    : 'n/a';
  printTable(
    `${engine}: sustained load, ${label} after ${options.warmUp} s warm-up`,
    ['figure', 'value', 'target', 'verdict'],
    [
      [
        'errors (failed / unanswered / subscription / reconnects / misdelivered)',
        `${r.failedMutations} / ${r.unanswered} / ${r.subscriptionErrors} / ${r.reconnects} / ${r.misdelivered}`,
        '0',
        verdict(v.errors === 0),
      ],
      [
        'lost deliveries (expected − received), duplicates',
        `${v.lost} of ${r.expected}, ${r.duplicates}`,
        '0, 0',
        verdict(v.lost === 0 && r.duplicates === 0),
      ],
      [
        'achieved mutations/s (measured window)',
        `${r.achievedPerSecond.toFixed(1)}/s`,
        `≥ ${(options.rate * RATE_TOLERANCE).toFixed(0)}/s`,
        verdict(v.rateMet),
      ],
      [
        'server RSS after warm-up → end',
        `${mb(r.server.rssStart)} → ${mb(r.server.rssEnd)} MB (${v.growth.toFixed(2)}×)`,
        `≤ ${FLAT_FACTOR}× (flat)`,
        v.flat ? 'ok: memory flat' : 'MISSED: memory grew',
      ],
    ],
    [
      `sent ${r.sent} of ${r.scheduled} scheduled mutations (${r.completed} answered, ${r.unanswered} unanswered ` +
        `${options.drainMs / 1000} s after the last send), ${r.slipped} later than scheduled (--max-in-flight ` +
        `${options.maxInFlight} unanswered, or this process late); subscribers connected in ${(r.connectMs / 1000).toFixed(1)} s.`,
      `server RSS over the second half of the window: ${secondHalf}.`,
      `server (${r.server.name}): RSS idle ${mb(r.server.rssIdle)} MB, with subscribers ${mb(r.server.rssConnected)} MB, ` +
        `max ${mb(r.server.rssMax)} MB; CPU ${(r.server.cpuCores * 100).toFixed(0)}% of one core over the measured window. ` +
        `RSS every 10 s: ${r.server.samples
          .filter((_, k) => k % 10 === 9)
          .map((s) => mb(s.rss))
          .join(', ')} MB.`,
      `this process: RSS ${mb(r.bench.rssEnd)} MB, event loop busy ${(r.bench.elu * 100).toFixed(0)}% over the measured window; ` +
        `machine load average ${r.loadAverage.map((l) => l.toFixed(1)).join(' → ')} on ${os.availableParallelism()} CPUs.`,
      ...(v.rateMet
        ? []
        : [
            'the server fell behind the offered rate: requests queued up, so the lag and memory figures include that ' +
              'backlog (lag measured from each answer, which itself came late).',
          ]),
      ...([...r.mutationErrors, ...r.errorMessages].length > 0
        ? [`errors: ${[...r.mutationErrors, ...r.errorMessages].join('; ')}`]
        : []),
    ],
  );
  printTable(
    `${engine}: delivery lag under load (every delivery to every tab, measured window)`,
    ['measure', ...DISTRIBUTION_HEADER],
    [
      ['mutation response → tab received it', ...distributionCells(lagSummary)],
      ['mutation sent → tab received it', ...distributionCells(summarize(r.sendToDelivery))],
      ['mutation round trip', ...distributionCells(summarize(r.roundTrip))],
    ],
    ['negative lag: the feed delivered before the mutation answer was read (both land in this process).'],
  );

  const prefix = `sustained load ${options.subscribers} subscribers, ${options.rate}/s, ${options.seconds} s`;
  recordFigure({
    figure: `${prefix}: errors, lost deliveries`,
    database: engine,
    value: `${v.errors} errors${r.unanswered > 0 ? ` (${r.unanswered} unanswered)` : ''}, lost ${v.lost}`,
    target: '0, lost 0',
    met: v.noErrors,
    bench: BENCH,
  });
  recordFigure({
    figure: `${prefix}: server RSS after warm-up → end`,
    database: engine,
    value: `${mb(r.server.rssStart)} → ${mb(r.server.rssEnd)} MB (${v.growth.toFixed(2)}×)`,
    target: `≤ ${FLAT_FACTOR}× (flat)`,
    met: v.flat,
    bench: BENCH,
  });
  recordFigure({
    figure: `${prefix}: achieved rate, delivery lag (p50 / p99)`,
    database: engine,
    value: `${r.achievedPerSecond.toFixed(0)}/s, ${ms(lagSummary.p50)} / ${ms(lagSummary.p99)} ms`,
    target: `≥ ${(options.rate * RATE_TOLERANCE).toFixed(0)}/s`,
    met: v.rateMet,
    bench: BENCH,
  });
}

async function runOn(build: BuildSnapshot, database: BenchDatabase): Promise<void> {
  console.log(`\n══ ${database.engine} ══ starting next start (build ${build.buildId}) …`);
  const server = await startProductionServer({ appDir: build.dir, database });
  try {
    const serverPid = pidListeningOn(Number(new URL(server.url).port));
    if (serverPid === null)
      console.warn('warning: could not find the server process (ss -ltnp): no server RSS');
    console.log(
      `${options.subscribers} subscribers (${options.users} users × ${options.tabs} tabs), ` +
        `${options.rate} mutations/s for ${options.warmUp} + ${options.seconds} s …`,
    );
    print(database.engine, await measureLoad(server.url, serverPid));
  } finally {
    await server.stop();
  }
}

runMain(async () => {
  await withProductionBuild(argv, (build) =>
    forEachDatabase(argv, 'bench-sustained-load', (database) => runOn(build, database)),
  );
});
