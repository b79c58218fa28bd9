/**
 * Counts and times the SQL statements the server sends, by kind (BEGIN, the todo insert, the log append …), to show
 * how many round trips a mutation costs in each arm. Bench-only instrumentation of the drivers:
 *  - PostgreSQL: every `pg.Client#query`, timed from the call to its result (one round trip each: the pool's
 *    clients do not pipeline).
 *  - PGlite: every statement that takes its query lock (`_runExclusiveQuery`), timed inside the lock (its execution,
 *    including the flush of a durable commit); BEGIN and COMMIT of `transaction()` are counted there too. The kind
 *    comes from the statement text handed to `query` / `exec`, carried to the lock through AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Runtime } from '@/framework/server';

type Engine = Runtime['engine'];

export interface Tally {
  count: number;
  ms: number;
}

export interface SqlCounter {
  /** Statements by kind since the last reset. */
  take(): Map<string, Tally>;
  /** Restores the drivers. */
  dispose(): void;
}

/** A statement's kind, from its first words (the bench's statements, plus "other: …" for anything else). */
export function statementKind(text: string): string {
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('begin')) return 'BEGIN';
  if (head.startsWith('commit')) return 'COMMIT';
  if (head.startsWith('rollback')) return 'ROLLBACK';
  if (head.startsWith('savepoint') || head.startsWith('release')) return 'SAVEPOINT / RELEASE';
  if (head.startsWith('with next as')) return 'log append (+ NOTIFY)';
  if (head.startsWith('insert into "client_mutations"')) return 'client lock (idempotency)';
  if (head.startsWith('insert into "todos"')) return 'todo insert';
  // Better Auth's reads of the request's session and its user (both arms make them).
  if (/^select .* from "auth_sessions"/s.test(text.trimStart().toLowerCase()))
    return 'session lookup: session';
  if (/^select .* from "auth_users"/s.test(text.trimStart().toLowerCase())) return 'session lookup: user';
  if (/^select .* from "sync_(commits|changes)"/s.test(text.trimStart().toLowerCase()))
    return 'feed log read (a commit published out of order)';
  return `other: ${head.replace(/\s+/g, ' ').slice(0, 50)}`;
}

export function countStatements(engine: Engine): SqlCounter {
  let tallies = new Map<string, Tally>();
  const add = (kind: string, ms: number) => {
    const tally = tallies.get(kind) ?? { count: 0, ms: 0 };
    tally.count++;
    tally.ms += ms;
    tallies.set(kind, tally);
  };
  const dispose = engine.kind === 'postgres' ? instrumentPg(add) : instrumentPglite(engine.client, add);
  return {
    take() {
      const taken = tallies;
      tallies = new Map();
      return taken;
    },
    dispose,
  };
}

function instrumentPg(add: (kind: string, ms: number) => void): () => void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [config] = args;
    const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '');
    const kind = statementKind(text);
    const started = performance.now();
    const last = args.at(-1);
    if (typeof last === 'function') {
      // Callback style (what pg.Pool#query uses): timed when the callback runs.
      args[args.length - 1] = (...results: unknown[]) => {
        add(kind, performance.now() - started);
        return (last as (...results: unknown[]) => unknown)(...results);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      void result.then(
        () => add(kind, performance.now() - started),
        () => add(kind, performance.now() - started),
      );
    } else add(kind, 0); // a query object with its own callback: counted, not timed
    return result;
  };
  return () => {
    proto.query = original;
  };
}

type Lockable = PGlite & { _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> };

function instrumentPglite(client: PGlite, add: (kind: string, ms: number) => void): () => void {
  const kindOf = new AsyncLocalStorage<string>();
  const target = client as Lockable;
  // Bound once: the wrappers below call them on this client.
  const originals = {
    runExclusiveQuery: target._runExclusiveQuery.bind(target),
    query: target.query.bind(target),
    exec: target.exec.bind(target),
    transaction: target.transaction.bind(target),
  };
  target._runExclusiveQuery = <T>(fn: () => Promise<T>) => {
    return originals.runExclusiveQuery(async () => {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        add(kindOf.getStore() ?? 'unlabelled', performance.now() - started);
      }
    }) as Promise<T>;
  };
  const labelled =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    (text: string, ...rest: A extends [string, ...infer T] ? T : never) =>
      kindOf.run(statementKind(text), () => run(...([text, ...rest] as unknown as A)));
  target.query = labelled(originals.query) as PGlite['query'];
  target.exec = labelled(originals.exec) as PGlite['exec'];
  target.transaction = (<T>(callback: (tx: Transaction) => Promise<T>) =>
    // BEGIN and COMMIT run in this context; the statements inside get their own kinds.
    kindOf.run('BEGIN / COMMIT (PGlite transaction)', () =>
      originals.transaction((tx: Transaction) =>
        callback({
          ...tx,
          query: labelled(tx.query.bind(tx)) as Transaction['query'],
          exec: labelled(tx.exec.bind(tx)) as Transaction['exec'],
          sql: tx.sql.bind(tx),
          rollback: tx.rollback.bind(tx),
          listen: tx.listen.bind(tx),
          get closed() {
            return tx.closed;
          },
        }),
      ),
    )) as PGlite['transaction'];
  return () => {
    // The wrappers are own properties shadowing the prototype's methods: removing them restores the client.
    const own = target as unknown as Record<string, unknown>;
    for (const key of ['_runExclusiveQuery', 'query', 'exec', 'transaction']) delete own[key];
  };
}
