/**
 * The production topology, tested: PostgreSQL, PgBouncer in transaction mode, three app processes (the standalone
 * server the Dockerfile runs) and nginx in front with deploy/nginx/app.conf.template — the file compose.yaml uses.
 * Chromium tabs and the typed client talk only to nginx. Each process names itself in `x-served-by` (SERVED_BY), so
 * the test knows which process serves each tab's change feed and answered each mutation.
 *
 * Prints its figures on lines starting with [topology]: tab-to-tab latency across processes, reconnect time after
 * a SIGKILL, and failed requests during a rolling restart.
 *
 * Needs a PostgreSQL server (E2E_POSTGRES_URL; .ci/run sets it) and Debian's pgbouncer and nginx (.ci/run installs
 * them). Run it alone: E2E_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npx playwright test e2e/topology.spec.ts
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import pg from 'pg';
import { createClient, type AppClient } from '@/client/create-client';
import { startMutationLoad, type MutationLoadResult } from './support/topology/mutation-load';
import { openTab } from './support/topology/tab';
import {
  missingTopologyParts,
  startTopology,
  type AppProcess,
  type Topology,
} from './support/topology/topology';

const postgresUrl = process.env.E2E_POSTGRES_URL;
const PROCESSES = 3;
const LATENCY_SAMPLES = 40;

test.describe.configure({ mode: 'serial' });

let topology: Topology | undefined;

test.beforeAll(async () => {
  test.skip(
    !postgresUrl,
    'Set E2E_POSTGRES_URL to a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test)',
  );
  const missing = missingTopologyParts();
  // CI installs both packages (.ci/run), so there a missing one is a failure, never a skip.
  if (missing && process.env.CI) throw new Error(missing);
  test.skip(missing !== null, missing ?? '');
  test.setTimeout(120_000);
  topology = await startTopology({ postgresUrl: postgresUrl ?? '', processes: PROCESSES });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await topology?.close();
});

function running(): Topology {
  if (!topology) throw new Error('the topology did not start');
  return topology;
}

/** A typed client of the balancer acting as the context's user, and the process that answered its last request. */
async function typedClient(context: BrowserContext, url: string) {
  const session = (await context.cookies()).find((cookie) => cookie.name === 'starter.session_token');
  if (!session) throw new Error('the browser has no session cookie');
  let lastServedBy: string | null = null;
  const client: AppClient = createClient({
    url,
    sessionCookie: `${session.name}=${session.value}`,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      lastServedBy = response.headers.get('x-served-by');
      return response;
    },
  });
  return { client, lastServedBy: () => lastServedBy };
}

/**
 * Opens tabs of one user until two of them have their feeds on different processes. Each tab is a browser context
 * of its own (the user's cookies copied in), as on two devices: tabs of one context share one change feed
 * (framework/client/shared-feed.ts), and the test needs each tab to hold its own.
 */
async function tabsOnTwoProcesses(browser: Browser, url: string) {
  const first = await browser.newContext();
  const writer = await openTab(first, url);
  const storageState = await first.storageState();
  for (let opened = 1; opened < 12; opened++) {
    const context = await browser.newContext({ storageState });
    const reader = await openTab(context, url);
    if (reader.feedServedBy() !== writer.feedServedBy()) {
      const close = async () => {
        await first.close();
        await context.close();
      };
      return { context: first, writer, reader, close };
    }
    // Another tab fed by the writer's process adds nothing: closed, so only two tabs take the machine's CPU.
    await context.close();
  }
  throw new Error(`12 tabs, all fed by ${writer.feedServedBy()}: is nginx balancing?`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** How many times each text is in the todos table (the truth, read directly from PostgreSQL). */
async function countsInDatabase(databaseUrl: string, texts: string[]): Promise<Map<string, number>> {
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const { rows } = await sql.query<{ text: string; n: number }>(
      'select text, count(*)::int as n from todos where text = any($1) group by text',
      [texts],
    );
    return new Map(rows.map((row) => [row.text, row.n]));
  } finally {
    await sql.end();
  }
}

async function expectEachOnceInDatabase(databaseUrl: string, texts: string[]) {
  const counts = await countsInDatabase(databaseUrl, texts);
  expect(
    texts.filter((text) => counts.get(text) !== 1).map((text) => `${text}: ${counts.get(text) ?? 0}`),
    'texts not in the database exactly once (text: rows)',
  ).toEqual([]);
}

test('a change made through one process reaches tabs whose feed is on another', async ({ browser }) => {
  test.setTimeout(90_000);
  const { url, apps } = running();
  const { context, writer, reader, close } = await tabsOnTwoProcesses(browser, url);

  // Tab to tab: typed in the writer, shown by the reader; only samples whose mutation another process answered.
  const crossProcessMs: number[] = [];
  let sameProcess = 0;
  for (let i = 1; i <= LATENCY_SAMPLES; i++) {
    const text = `Tab to tab ${i}`;
    await writer.addTodo(text);
    const seenAt = await reader.seenAt(text);
    const sentAt = await writer.sentAt(text);
    if (sentAt === undefined) throw new Error(`the writer tab did not stamp "${text}"`);
    await expect.poll(() => writer.mutationServedBy.get(text)).toBeDefined();
    if (writer.mutationServedBy.get(text) === reader.feedServedBy()) sameProcess++;
    else crossProcessMs.push(seenAt - sentAt);
  }
  // Round robin over three processes: about two in three land on a process the reader's feed is not on.
  expect(crossProcessMs.length).toBeGreaterThanOrEqual(LATENCY_SAMPLES / 4);
  const servedMutations = new Set(writer.mutationServedBy.values());
  expect(servedMutations.size, 'the balancer spread the mutations over the processes').toBe(apps.length);

  // The typed client through the balancer: its change reaches both tabs, and a tab's change reaches its feed.
  const { client } = await typedClient(context, url);
  await client.mutators.addTodo.mutate({
    args: { id: crypto.randomUUID(), text: 'From the typed client', position: 500, createdAt: new Date() },
  });
  await reader.seenAt('From the typed client');
  await writer.seenAt('From the typed client');
  const feedSaw = new Promise<void>((resolve, reject) => {
    const subscription = client.sync.changes.subscribe(
      { lastEventId: null },
      {
        onData: ({ data }) => {
          const rows =
            data.type === 'reset'
              ? data.snapshot.tables.todos
              : data.changes.flatMap((change) =>
                  change.table === 'todos' && change.op === 'set' ? [change.row] : [],
                );
          if (rows.some((row) => row.text === 'Seen by the typed client')) {
            subscription.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      },
    );
  });
  await writer.addTodo('Seen by the typed client');
  await feedSaw;

  await expect(writer.page.getByTestId('toast')).toHaveCount(0);
  console.log(
    `[topology] tab-to-tab through nginx, mutation on another process than the reader's feed: ` +
      `p50 ${percentile(crossProcessMs, 50)} ms, p99 ${percentile(crossProcessMs, 99)} ms ` +
      `(${crossProcessMs.length} samples; ${sameProcess} same-process samples left out)`,
  );
  await close();
});

test('a SIGKILLed process: its tabs reconnect through the balancer to the others, nothing lost', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const topo = running();
  const { context, writer, reader, close } = await tabsOnTwoProcesses(browser, topo.url);
  const victim = topo.apps.find((app) => app.name === reader.feedServedBy());
  if (!victim) throw new Error(`no process named ${reader.feedServedBy()}`);
  const feedsBefore = reader.feeds.length;
  const { client, lastServedBy } = await typedClient(context, topo.url);
  const load = startMutationLoad({ client, label: 'During the crash', pauseMs: 100, lastServedBy });

  await topo.kill(victim);
  const killedAt = Date.now();
  // The writer keeps typing while the reader is cut off.
  const typed = Array.from({ length: 5 }, (_, i) => `Typed after the crash ${i + 1}`);
  for (const text of typed) await writer.addTodo(text);

  await expect
    .poll(() => reader.feeds.length, { timeout: 30_000, intervals: [20] })
    .toBeGreaterThan(feedsBefore);
  const reconnected = reader.feeds[feedsBefore];
  expect(reconnected?.servedBy).not.toBe(victim.name);
  const reconnectMs = (reconnected?.at ?? Number.NaN) - killedAt;
  await expect(reader.page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  // Each change typed after the kill, from its keypress in the writer to its row in the reader.
  const typedLatencyMs: number[] = [];
  for (const text of typed) {
    const seenAt = await reader.seenAt(text, 30_000);
    typedLatencyMs.push(seenAt - ((await writer.sentAt(text)) ?? Number.NaN));
  }

  const result = await load.stop();
  expect(result.failed).toEqual([]);
  for (const text of [...typed, ...result.texts]) await reader.seenAt(text, 30_000);
  await expectEachOnceInDatabase(topo.databaseUrl, [...typed, ...result.texts]);
  await expect(writer.page.getByTestId('toast')).toHaveCount(0);

  console.log(
    `[topology] SIGKILL of ${victim.name} (serving the reader's feed): feed back on ${reconnected?.servedBy} ` +
      `after ${reconnectMs} ms; changes typed after the kill reached the reader in ` +
      `${Math.min(...typedLatencyMs)}–${Math.max(...typedLatencyMs)} ms; writer tab ${writer.serverErrors} 5xx answers; ` +
      `typed client: ${result.texts.length} mutations, ${result.retried} retried, ${result.failed.length} failed`,
  );
  await topo.start(victim);
  await close();
});

test('a rolling restart of every process loses nothing, and no request fails that the client cannot retry', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const topo = running();
  const { context, writer, reader, close } = await tabsOnTwoProcesses(browser, topo.url);
  const { client, lastServedBy } = await typedClient(context, topo.url);
  const logBefore = topo.nginx.accessLog().length;
  const load = startMutationLoad({ client, label: 'During the restart', pauseMs: 100, lastServedBy });

  // The browser writes too, at its own pace, for the whole restart.
  const typed: string[] = [];
  let restarting = true;
  const typing = (async () => {
    for (let i = 1; restarting; i++) {
      typed.push(`Typed during the restart ${i}`);
      await writer.addTodo(typed.at(-1) ?? '');
      await writer.page.waitForTimeout(100);
    }
  })();

  const restartMs: number[] = [];
  for (const app of topo.apps) {
    const started = Date.now();
    await topo.stop(app);
    await topo.start(app);
    await servedAgainThroughNginx(topo, app);
    restartMs.push(Date.now() - started);
  }
  restarting = false;
  await typing;
  const result: MutationLoadResult = await load.stop();

  // Nothing failed for good; whatever needed a retry was retried with its id and applied once.
  expect(result.failed).toEqual([]);
  // The last keypresses may still be on their way (a retry after the last restart): the reader's screen shows a
  // todo only once the server committed it, so it is waited for before the database is counted.
  for (const text of [...typed, ...result.texts]) await reader.seenAt(text, 30_000);
  await expectEachOnceInDatabase(topo.databaseUrl, [...typed, ...result.texts]);
  await expect(writer.page.getByTestId('toast')).toHaveCount(0);
  await expect(reader.page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(writer.page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  expect(
    Object.keys(result.servedBy).sort(),
    'the typed client was served by every process, restarted ones included',
  ).toEqual(topo.apps.map((app) => app.name).sort());

  const requests = topo.nginx.accessLog().slice(logBefore);
  const answered5xx = requests.filter((entry) => entry.status >= 500);
  const movedOn = requests.filter((entry) => entry.upstreams.length > 1);
  console.log(
    `[topology] rolling restart of ${topo.apps.length} processes (${restartMs.map((ms) => `${ms} ms`).join(', ')}): ` +
      `failed requests ${result.failed.length} (goal 0); typed client ${result.requests} requests for ` +
      `${result.texts.length} mutations, ${result.retried} retried with their id (${result.duplicates} answered duplicate); ` +
      `browser ${typed.length} todos, ${writer.serverErrors} 5xx answers retried by its store; nginx ${requests.length} requests, ` +
      `${answered5xx.length} answered 5xx, ${movedOn.length} passed on to another process`,
  );
  if (answered5xx.length > 0) {
    console.log(`[topology] 5xx answers: ${JSON.stringify(answered5xx.slice(0, 10))}`);
  }
  await close();
});

/** Waits until nginx has passed a request to `app` again and got an answer (it skips a failed one for a while). */
async function servedAgainThroughNginx(topo: Topology, app: AppProcess) {
  const address = `127.0.0.1:${app.port}`;
  const from = topo.nginx.accessLog().length;
  await expect
    .poll(
      () =>
        topo.nginx
          .accessLog()
          .slice(from)
          .some((entry) => entry.upstreams.at(-1) === address && entry.status < 500),
      { timeout: 30_000, intervals: [100] },
    )
    .toBe(true);
}
