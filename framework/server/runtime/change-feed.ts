/**
 * The change feed of one server process. It keeps the recent tail of the log in memory for all subscribers, so a
 * thousand open subscriptions cost nothing per commit in queries. Commits this process makes are appended as they
 * commit (`publish`), without reading them back; a poke (another process committed) reads the log once. A
 * subscriber that is further behind than the tail (after a long disconnect) reads its own catch-up pages from the
 * database.
 */
import 'server-only';
import type { Db } from '../db/open';
import {
  currentVersion,
  logFloor,
  LogCompactedError,
  pageEnd,
  readUserLog,
  readLogPage,
  type FeedChange,
  type FeedCommit,
} from './change-log';
import type { Pokes } from './pokes';

/** Commits kept in memory; older ones are read from the database on demand. */
const TAIL_LIMIT = 10_000;
/** Commits read per database page. */
const PAGE = 500;

/** What one subscriber receives for a range of versions. */
export interface FeedBatch {
  /** The subscriber has now seen every version up to here (visible to it or not). */
  upTo: number;
  commits: FeedCommit[];
  changes: FeedChange[];
}

export interface ChangeFeed {
  /** The highest version this process has read. */
  readonly head: number;
  /** Reads the log up to the latest committed version now (also triggered by every poke). */
  refresh(): Promise<void>;
  /**
   * A commit this process has just made (after COMMIT). When it is the next version the feed appends it without
   * reading the log back; otherwise (another process or transaction committed in between) it reads the log.
   */
  publish(entry: { commit: FeedCommit; changes: FeedChange[] }): void;
  /**
   * The next batch for `userId` after version `after` (empty with upTo = head when nothing is new). Never moves a
   * cursor back: an `after` beyond the head (a snapshot newer than this feed) gets an empty batch with upTo = after.
   * Shared by every reader with the same user and cursor: never change it. Throws {@link LogCompactedError} when
   * `after` is behind both the in-memory tail and the log's floor (retention deleted what it would need).
   */
  read(userId: string, after: number): Promise<FeedBatch>;
  /** Calls `listener` with every page of new changes this process reads (all users). Returns the unsubscribe. */
  onChanges(listener: (changes: FeedChange[]) => void): () => void;
  /** Resolves once `head` passes `version`, or when `signal` aborts. */
  waitBeyond(version: number, signal: AbortSignal): Promise<void>;
  close(): void;
}

export async function createChangeFeed(db: Db, pokes: Pokes): Promise<ChangeFeed> {
  let head = await currentVersion(db);
  /** The tail holds every commit with tailStart < version <= head. */
  let tailStart = head;
  let commits: FeedCommit[] = [];
  let changes: FeedChange[] = [];
  const waiters = new Set<{ version: number; resolve: () => void }>();
  const changeListeners = new Set<(changes: FeedChange[]) => void>();

  let refreshing: Promise<void> | null = null;
  let again = false;

  /** Changes appended since listeners and waiters were last woken. */
  let unannounced: FeedChange[] = [];
  let wakeScheduled = false;

  /** Appends commits that directly follow `head` (and their changes); whoever waits for them is woken next. */
  function append(upTo: number, newCommits: FeedCommit[], newChanges: FeedChange[]) {
    commits.push(...newCommits);
    changes.push(...newChanges);
    head = upTo;
    unannounced.push(...newChanges);
    trimTail();
    if (wakeScheduled) return;
    wakeScheduled = true;
    // On the next turn of the event loop: a published commit's own response goes out first, instead of waiting
    // behind its fan-out to every open subscription (a thousand of them took ~100 ms of CPU).
    setImmediate(wake);
  }

  function wake() {
    wakeScheduled = false;
    const announced = unannounced;
    unannounced = [];
    for (const listener of changeListeners) listener(announced);
    for (const waiter of waiters) {
      if (head > waiter.version) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  async function readNewCommits() {
    for (;;) {
      const after = head;
      const page = await readLogPage(db, after, PAGE);
      if (!page) return;
      // Commits published meanwhile are already in the tail: keep only what lies beyond them.
      if (page.upTo <= head) continue;
      const fresh = head === after;
      append(
        page.upTo,
        fresh ? page.commits : page.commits.filter((commit) => commit.version > head),
        fresh ? page.changes : page.changes.filter((change) => change.version > head),
      );
    }
  }

  function trimTail() {
    if (commits.length <= TAIL_LIMIT) return;
    const drop = commits.length - TAIL_LIMIT;
    tailStart = commits[drop - 1]?.version ?? tailStart;
    commits = commits.slice(drop);
    const firstKept = changes.findIndex((change) => change.version > tailStart);
    changes = firstKept < 0 ? [] : changes.slice(firstKept);
  }

  /** Single-flight: pokes during a read schedule exactly one more read. */
  function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          again = false;
          await readNewCommits();
        } while (again);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  let closed = false;
  const poke = () => {
    // While a read is in flight, only ask for one more. Attaching to its promise from every poke would keep each
    // poking request's async context (and so its response) alive until a backlog clears: memory grew under load.
    if (refreshing) {
      again = true;
      return;
    }
    refresh().catch((error: unknown) => {
      // A read still in flight when the database closes is expected to fail; anything else is a real problem.
      if (!closed) console.error('[feed] reading the change log failed:', error);
    });
  };
  const unsubscribe = pokes.subscribe(poke);

  /** Batches made since `head` last moved, by user and cursor: every tab of a user gets the same one. */
  let batches = new Map<string, FeedBatch>();
  let batchesAt = head;

  function fromTail(userId: string, after: number): FeedBatch {
    if (batchesAt !== head) {
      batches = new Map();
      batchesAt = head;
    }
    const key = `${userId}:${after}`;
    let batch = batches.get(key);
    if (!batch) {
      // Binary search to the first new entry: a read costs what is new, not the size of the tail.
      batch = {
        upTo: head,
        commits: commits.slice(firstAfter(commits, after)).filter((commit) => commit.userId === userId),
        changes: changes.slice(firstAfter(changes, after)).filter((change) => change.ownerId === userId),
      };
      batches.set(key, batch);
    }
    return batch;
  }

  return {
    get head() {
      return head;
    },
    refresh,
    publish({ commit, changes: committed }) {
      if (commit.version <= head) return; // A log read got there first.
      if (commit.version === head + 1) append(commit.version, [commit], committed);
      else poke(); // Something committed in between that this process has not read yet.
    },
    async read(userId, after) {
      if (after > head) return { upTo: after, commits: [], changes: [] };
      if (after >= tailStart) return fromTail(userId, after);
      // Behind the in-memory tail: one page from the database, filtered there.
      const end = (await pageEnd(db, after, PAGE)) ?? after;
      const page = await readUserLog(db, { after, upTo: end, userId });
      // Checked after reading: compaction only ever raises the floor, so if it is still at or below `after` now,
      // nothing in (after, end] was deleted before or while it was read.
      const floor = await logFloor(db);
      if (floor > after) throw new LogCompactedError(after, floor);
      return { upTo: end, ...page };
    },
    onChanges(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    waitBeyond(version, signal) {
      if (head > version || signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const waiter = {
          version,
          resolve: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          waiters.delete(waiter);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
      });
    },
    close() {
      closed = true;
      unsubscribe();
      for (const waiter of waiters) waiter.resolve();
      waiters.clear();
    },
  };
}

/** Index of the first entry with version > `after` in a version-sorted array. */
function firstAfter(entries: { version: number }[], after: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle]?.version ?? Infinity) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
