/**
 * A runtime whose database can be told to fail its next transactions the way a dropped connection or a pool timeout
 * does: the work inside runs, then the transaction throws and rolls back, so nothing of it is written.
 */
import type { Db } from '@/framework/server/db/open';
import type { Runtime } from '@/framework/server/runtime/runtime';

export interface FailingCommits {
  /** The same runtime (feed, pokes) over the failing database. */
  runtime: Runtime;
  /** The next `count` transactions fail. */
  failNext(count: number): void;
  /** Failures still to come. */
  readonly pending: number;
}

export function withFailingCommits(runtime: Runtime): FailingCommits {
  let failures = 0;
  const transaction: Db['transaction'] = (work, config) =>
    runtime.db.transaction(async (tx) => {
      const result = await work(tx);
      if (failures > 0) {
        failures--;
        throw new Error('Connection terminated unexpectedly');
      }
      return result;
    }, config);
  const db = new Proxy(runtime.db, {
    get: (target, key, receiver) =>
      key === 'transaction' ? transaction : Reflect.get(target, key, receiver),
  });
  return {
    runtime: { ...runtime, db },
    failNext(count) {
      failures = count;
    },
    get pending() {
      return failures;
    },
  };
}
