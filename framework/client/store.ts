/**
 * The client store: server state from the change feed, plus this client's pending mutations replayed on top.
 *
 * - `mutate()` validates, runs the mutator on the current view at once (the optimistic effect), queues it with the
 *   next mutation id and sends the queue in order, one at a time (the server requires ids without gaps).
 * - A pending mutation stays applied until the feed delivers the commit that includes it (read-your-writes: the
 *   view never flickers back), then it is dropped, because the server state now contains its effect.
 * - A rejected mutation is removed and the view is recomputed from server state plus the remaining pending ones:
 *   only its own effect disappears, never a stale snapshot restored over newer changes.
 * - Network failures, and server failures that did not consume the mutation id (the server says so), are retried
 *   with the same id and backoff; the server skips what it already applied. Meanwhile `sendState` is 'retrying'.
 * - An id gap (the server expects an earlier id, because one was refused without being consumed) renumbers the
 *   mutations not yet sent from the id the server expects: one failure never wedges the later ones.
 * - A server of another schema version (a deploy) refuses mutations and the feed without consuming ids: the store
 *   becomes `outdated`, stops sending and keeps its pending mutations (`carryOver()` hands them to the reloaded
 *   page). A store created with `carried` mutations adopts their client id, holds them until the feed's first reset
 *   says which ids the server already applied, drops those, drops (and reports) the ones the new mutators no longer
 *   accept, and replays the rest, renumbered after the server's last id, so each is applied exactly once.
 *
 * Framework-free (no React): framework/react/sync-react.tsx binds it to React Query; tests drive it directly.
 */
import type { AnyMutator, AnyMutators, AnyRows, MutatorInput } from '../shared/define-mutator';
import type { MutationIdState, SchemaVersionMismatch, Snapshot, SyncMessage } from '../shared/sync-protocol';
import { MutatorError } from '../shared/mutator-error';
import { compareRows } from '../shared/row-order';
import type { SyncLayout } from '../shared/synced-table';
import type { CarriedMutation, CarriedMutations } from './carry-over';
import { describeFailure, InputError, type MutationFailure } from './failure';
import { createClientTransaction, stateFromSnapshot, WorkingState, type TablesState } from './working-state';

/** How the store talks to the server (tRPC in the app; a fake or a direct executor call in tests). */
export interface SyncTransport {
  /**
   * Sends one mutation. Rejects with {@link TransportError} (retried), {@link ServerRefusal} (the server's answer,
   * with what became of the mutation id) or any other error (final).
   */
  mutate(
    name: string,
    request: { args: unknown; clientId: string; mutationId: number; schemaVersion?: number },
  ): Promise<unknown>;
}

/** A failure to reach the server at all (network down, server restarting): the mutation is retried. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** The server refused a numbered mutation; `state` says whether its id was consumed (see MutationIdState). */
export class ServerRefusal extends Error {
  constructor(
    /** The tRPC error code, e.g. NOT_FOUND or INTERNAL_SERVER_ERROR. */
    readonly code: string,
    message: string,
    readonly state: MutationIdState,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServerRefusal';
  }
}

/**
 * The server runs another schema version than this client was built for (a deploy happened): nothing was written,
 * no id consumed. The page should reload; the store keeps what it has pending.
 */
export class SchemaVersionRefusal extends Error {
  constructor(
    readonly mismatch: SchemaVersionMismatch,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchemaVersionRefusal';
  }
}

/** What became of the changes a page carried over a reload (see `SyncStoreOptions.carried`). */
export interface RestoreReport {
  /** Already applied by the server before the reload (their effect is in the server state). */
  applied: number;
  /** Sent again: they still validate against the new mutators. */
  replayed: number;
  /** Not valid any more (the mutator is gone or its input changed): dropped, each also reported to `onError`. */
  dropped: MutationFailure[];
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * Codes of a failure that did not consume the id and may pass: sent again with backoff. Others (say, BAD_REQUEST
 * for a malformed envelope) would fail again: the mutation is given up at once.
 */
const TRANSIENT_CODES = new Set([
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'TOO_MANY_REQUESTS',
  'BAD_GATEWAY',
  'GATEWAY_TIMEOUT',
]);

/**
 * Settles once the server has committed the mutation (ok, with the log version whose commit notice confirmed it;
 * null when a feed reset confirmed it) or refused it (the failure). Never rejects.
 */
export type MutationSettled = { ok: true; version: number | null } | { ok: false; failure: MutationFailure };

export interface MutationHandle {
  /** Settles once the server confirmed (through the feed) or refused the mutation. Never rejects. */
  settled: Promise<MutationSettled>;
}

/** The change feed's connection; `signed-out`: the session was revoked, expired or signed out (no feed until reload). */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'signed-out';

/** Whether mutations go out normally, or one is being sent again after a failure (offline, server or database). */
export type SendState = 'ok' | 'retrying';

interface PendingMutation {
  id: number;
  name: string;
  args: unknown;
  settle(result: MutationSettled): void;
}

export interface SyncStoreOptions<TMutators extends AnyMutators = AnyMutators> {
  /**
   * The app's mutators: the store runs them optimistically on its cache. Or a function that loads them (a dynamic
   * `import()`): the page then paints without their schemas and zod, and they load once {@link SyncStore.loadMutators}
   * is called (the React provider calls it after the first render) or when the first mutation needs them (issue 17).
   */
  mutators: TMutators | (() => Promise<TMutators>);
  snapshot: Snapshot;
  transport: SyncTransport;
  /** Unique per tab (or script run); defaults to a random UUID. */
  clientId?: string;
  /** First retry delay after a network failure; doubles up to 5 s. */
  retryDelayMs?: number;
  /**
   * How many times a mutation the server failed without consuming its id is sent again before it is given up
   * (reported and rolled back); network failures are retried for as long as it takes. Default 10 (≈ 35 s).
   */
  maxServerRetries?: number;
  /** The schema version this client was built for: sent with every mutation (and by followFeed). */
  schemaVersion?: number;
  /**
   * Pending mutations an earlier page of this tab saved before reloading for a new schema version
   * (framework/client/carry-over.ts). Ignored unless made by the snapshot's user. The store then uses their client
   * id and replays them once the feed's first reset has told it the server's last applied id.
   */
  carried?: CarriedMutations | null;
}

export class SyncStore<TMutators extends AnyMutators = AnyMutators, TRows extends AnyRows = AnyRows> {
  readonly clientId: string;
  /** The user whose rows this store holds; a feed reset for another (a guest signed in) switches it. */
  private currentUserId: string;
  private server: TablesState;
  private layout: SyncLayout;
  private serverVersion: number;
  private view: TablesState;
  private readonly pending: PendingMutation[] = [];
  private nextMutationId = 1;
  /** The highest mutation id the server has answered; later ones are still to send. */
  private lastSentId = 0;
  private sending = false;
  private connection: ConnectionState = 'connecting';
  private sendStatus: SendState = 'ok';
  private readonly listeners = new Set<() => void>();
  private readonly errorListeners = new Set<(failure: MutationFailure) => void>();
  private readonly rowsCache = new Map<string, { source: ReadonlyMap<string, unknown>; rows: unknown[] }>();
  /** Serializes view computations so that replays never interleave. */
  private work: Promise<void> = Promise.resolve();
  /** Set once a server of another schema version refused this client: nothing is sent any more. */
  private mismatch: SchemaVersionMismatch | null = null;
  /** Carried mutations waiting for the server's last applied id (the feed's first reset); null when none. */
  private held: CarriedMutation[] | null = null;
  private restored: RestoreReport | null = null;
  /** The mutators once loaded (at once when given as a registry). */
  private registry: TMutators | null;
  private registryLoad: Promise<TMutators> | null = null;

  constructor(private readonly options: SyncStoreOptions<TMutators>) {
    this.registry = typeof options.mutators === 'function' ? null : options.mutators;
    const carried = options.carried;
    const adopt = carried && carried.userId === options.snapshot.userId && carried.mutations.length > 0;
    this.clientId = adopt ? carried.clientId : (options.clientId ?? crypto.randomUUID());
    if (adopt) {
      this.held = carried.mutations;
      // New mutations made before the restore take ids after the carried ones; the restore renumbers them all.
      this.nextMutationId = Math.max(...carried.mutations.map((mutation) => mutation.id)) + 1;
    }
    this.currentUserId = options.snapshot.userId;
    this.layout = options.snapshot.layout;
    this.server = stateFromSnapshot(options.snapshot.tables);
    this.serverVersion = options.snapshot.version;
    this.view = this.server;
  }

  /** The user whose rows this store holds (the client-side `tx.userId`). */
  get userId(): string {
    return this.currentUserId;
  }

  /** The log version of the server state this store holds (the subscription resumes after it). */
  get version(): number {
    return this.serverVersion;
  }

  /** The rows of a table as the user sees them: server state plus pending mutations. Stable between changes. */
  rows<TName extends keyof TRows & string>(name: TName): TRows[TName][] {
    const source = (this.view[name] ?? EMPTY) as ReadonlyMap<string, TRows[TName]>;
    const cached = this.rowsCache.get(name);
    if (cached?.source === source) return cached.rows as TRows[TName][];
    // In the table's declared order (as the server lists them), so every reader sees one sequence.
    const order = Object.hasOwn(this.layout, name) ? this.layout[name]?.order : undefined;
    const rows = [...source.values()];
    if (order) rows.sort((a, b) => compareRows(order, a, b));
    this.rowsCache.set(name, { source, rows });
    return rows;
  }

  /** The schema version this client was built for (undefined: not declared, as for a script). */
  get schemaVersion(): number | undefined {
    return this.options.schemaVersion;
  }

  /** Set when the server runs another schema version: the page should reload (see {@link carryOver}). */
  get outdated(): SchemaVersionMismatch | null {
    return this.mismatch;
  }

  /** True while carried mutations wait for the feed's first reset: the feed must start from a snapshot. */
  get restoring(): boolean {
    return this.held !== null;
  }

  /** What became of the carried mutations, once they were restored; null before that or without any. */
  get restoreReport(): RestoreReport | null {
    return this.restored;
  }

  /** The server refused this client's schema version: stop sending, keep everything pending. */
  markOutdated(mismatch: SchemaVersionMismatch): void {
    if (this.mismatch) return;
    this.mismatch = mismatch;
    this.emit();
  }

  /**
   * What this page has not had confirmed, to save before a reload: the carried mutations still held and the
   * pending ones, with their ids (the server skips those it already applied).
   */
  carryOver(schemaVersion = this.options.schemaVersion ?? 0): CarriedMutations {
    return {
      clientId: this.clientId,
      userId: this.userId,
      schemaVersion,
      savedAt: Date.now(),
      mutations: [...(this.held ?? []), ...this.pending.map(({ id, name, args }) => ({ id, name, args }))],
    };
  }

  /** The synced tables' names (from the snapshot). */
  get tableNames(): (keyof TRows & string)[] {
    return Object.keys(this.view);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Pending mutations the server has not acknowledged yet (the rest were committed and only wait for the feed):
   * what a user would lose if the page went away now.
   */
  get unsavedCount(): number {
    return this.pending.filter((mutation) => mutation.id > this.lastSentId).length;
  }

  get connectionState(): ConnectionState {
    return this.connection;
  }

  /** 'retrying' while a mutation waits to be sent again after a failure. */
  get sendState(): SendState {
    return this.sendStatus;
  }

  setConnectionState(state: ConnectionState): void {
    if (state === this.connection) return;
    this.connection = state;
    this.emit();
  }

  /** Called after every change of the view (or connection state). Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for every mutation that failed (locally or on the server). */
  onError(listener: (failure: MutationFailure) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** The mutators, loading them the first time when the store was given a loader. */
  loadMutators(): Promise<TMutators> {
    if (this.registry) return Promise.resolve(this.registry);
    const load = this.options.mutators as () => Promise<TMutators>;
    this.registryLoad ??= load().then(
      (registry) => (this.registry = registry),
      (error: unknown) => {
        this.registryLoad = null; // A failed chunk load (say, offline) is tried again by the next mutation.
        throw error;
      },
    );
    return this.registryLoad;
  }

  /** Runs a mutator optimistically and sends it to the server. */
  mutate<TName extends keyof TMutators & string>(
    name: TName,
    args: MutatorInput<TMutators[TName]>,
  ): MutationHandle {
    let settle!: (result: MutationSettled) => void;
    const settled = new Promise<MutationSettled>((resolve) => (settle = resolve));
    const mutation: PendingMutation = { id: 0, name, args, settle };
    const registry = this.registry;
    // Loaded (as always after the first moments of a page): validated now, refused at once if invalid.
    const checked = registry ? this.check(registry, name, args) : null;
    if (checked && !checked.ok) return this.refuse(name, checked.error);
    const applied = this.enqueue(async () => {
      // Not loaded yet: validated in the queue, so the mutations made meanwhile keep their order.
      const valid = checked ?? this.check(await this.loadMutators(), name, args);
      if (!valid.ok) {
        mutation.settle({ ok: false, failure: this.report(name, valid.error) });
        return false;
      }
      mutation.args = valid.data;
      // Run on the current view first: a mutator that fails here (e.g. the todo is gone) is never sent, and
      // takes no id (the server requires ids without gaps), so the id is assigned only now.
      const working = new WorkingState(this.view);
      await valid.mutator.run(
        createClientTransaction(working, this.userId, this.layout),
        valid.data as never,
      );
      mutation.id = this.nextMutationId++;
      this.pending.push(mutation);
      this.view = working.result();
      this.emit();
      return true;
    });
    applied.then(
      (queued) => {
        if (queued) void this.send();
      },
      (error: unknown) => mutation.settle({ ok: false, failure: this.report(name, error) }),
    );
    return { settled };
  }

  /**
   * Finds a mutator a client may call and validates its input, through the schema's Standard Schema interface
   * (every zod 4 schema, mini or full, has one): the store imports no zod of its own, so a page that loads the
   * mutators later paints without any (issue 17).
   */
  private check(
    registry: TMutators,
    name: string,
    args: unknown,
  ): { ok: true; mutator: AnyMutator; data: unknown } | { ok: false; error: Error } {
    const mutator: AnyMutator | undefined = Object.hasOwn(registry, name) ? registry[name] : undefined;
    // An internal mutator has no procedure a client may call (the server answers 404 too).
    if (!mutator || mutator.internal)
      return { ok: false, error: new MutatorError('NOT_FOUND', `No mutator ${name}`) };
    const result = mutator.input['~standard'].validate(args);
    if (result instanceof Promise) {
      return {
        ok: false,
        error: new Error(`${name}'s input schema is asynchronous: mutators need a synchronous one`),
      };
    }
    if (result.issues) return { ok: false, error: new InputError(result.issues) };
    return { ok: true, mutator, data: result.value };
  }

  /**
   * Applies one message of the change feed. `after`: the version the message follows (what the stream that carried
   * it had sent before), given for a message this store did not receive on its own stream (another tab's, relayed:
   * framework/client/shared-feed.ts). Such a message is applied only if nothing between this store's version and
   * `after` is missing; otherwise it is left alone and this resolves false (the caller catches up first).
   */
  applyMessage(message: SyncMessage, after?: number): Promise<boolean> {
    return this.enqueue(async () => {
      if (message.type === 'changes' && after !== undefined && after > this.serverVersion) return false;
      if (message.type === 'reset') {
        // A guest who signed in: the feed now serves the account, whose rows these are (and pending mutations,
        // replayed below, now run as the account, as the server runs them).
        this.currentUserId = message.snapshot.userId;
        this.server = stateFromSnapshot(message.snapshot.tables);
        this.layout = message.snapshot.layout;
        this.serverVersion = message.snapshot.version;
        // A reset replaces the commits this tab missed (say, retention deleted them): the snapshot says which of
        // this tab's mutations it already includes, so those leave the pending list instead of being replayed.
        const client = message.snapshot.client;
        if (client?.id === this.clientId) {
          // Held carried mutations: the mutations made since were never sent (their ids mean nothing yet).
          if (this.held) this.restore(await this.loadMutators(), this.held, client.lastMutationId);
          else this.confirm(client.lastMutationId, null, null);
        }
      } else {
        if (message.version <= this.serverVersion) return true; // Already applied (a replayed event).
        const working = new WorkingState(this.server);
        for (const change of message.changes) {
          const table = working.write(change.table);
          if (change.op === 'set') table.set(change.id, change.row);
          else table.delete(change.id);
        }
        this.server = working.result();
        this.serverVersion = message.version;
        for (const commit of message.commits) {
          if (commit.clientId !== this.clientId || commit.mutationId === null) continue;
          this.confirm(commit.mutationId, commit.error, commit.version);
        }
      }
      await this.recompute();
      this.emit();
      // After a restore, the replayed mutations go out (send() waits while mutations are held).
      if (this.restored && !this.held) void this.send();
      return true;
    });
  }

  /**
   * The server has applied this client's mutations up to `lastMutationId`: the carried ones up to it are done; the
   * others are checked against the current mutators and queued before any made since, all renumbered from
   * `lastMutationId + 1` (none of them was sent: the ids are this store's to choose).
   */
  private restore(registry: TMutators, held: CarriedMutation[], lastMutationId: number) {
    this.held = null;
    let applied = 0;
    const kept: PendingMutation[] = [];
    const dropped: MutationFailure[] = [];
    for (const carried of held) {
      if (carried.id <= lastMutationId) {
        applied++;
        continue;
      }
      const valid = this.check(registry, carried.name, carried.args);
      if (!valid.ok) {
        const gone =
          valid.error instanceof MutatorError && valid.error.code === 'NOT_FOUND'
            ? new MutatorError('NOT_FOUND', `${carried.name} no longer exists after the update`)
            : valid.error;
        dropped.push(this.report(carried.name, gone));
        continue;
      }
      kept.push({ id: 0, name: carried.name, args: valid.data, settle: () => undefined });
    }
    const queue = [...kept, ...this.pending];
    this.pending.length = 0;
    let id = lastMutationId + 1;
    for (const mutation of queue) {
      mutation.id = id++;
      this.pending.push(mutation);
    }
    this.nextMutationId = id;
    this.lastSentId = lastMutationId;
    this.restored = { applied, replayed: kept.length, dropped };
  }

  /** Drops pending mutations up to `mutationId`: their effect is now part of server state. */
  private confirm(
    mutationId: number,
    error: { code: string; message: string } | null,
    version: number | null,
  ) {
    while (this.pending[0] && this.pending[0].id <= mutationId) {
      const done = this.pending.shift();
      if (!done) break;
      if (done.id === mutationId && error) {
        done.settle({ ok: false, failure: this.report(done.name, error) });
      } else {
        done.settle({ ok: true, version });
      }
    }
  }

  /** view = server state + every pending mutation replayed in order. */
  private async recompute() {
    const working = new WorkingState(this.server);
    const tx = createClientTransaction(working, this.userId, this.layout);
    for (const mutation of this.pending) {
      try {
        // Pending mutations exist only once the mutators are loaded (mutate validates with them first).
        await this.registry?.[mutation.name]?.run(tx, mutation.args as never);
      } catch {
        // It no longer applies to the new server state (say, its row was deleted elsewhere); the server will
        // refuse it too, and its failure will be reported then. Until that, it simply has no visible effect.
      }
    }
    this.view = working.result();
  }

  /**
   * Sends queued mutations in order, one at a time. Retries what did not reach the server, or what the server
   * failed without consuming its id, with the same id; renumbers the unsent ones on an id gap.
   */
  private async send() {
    // Outdated: the server would refuse everything. Holding: the ids are chosen once the restore knows the server's.
    if (this.sending || this.mismatch || this.held) return;
    this.sending = true;
    const firstDelay = this.options.retryDelayMs ?? 250;
    const maxServerRetries = this.options.maxServerRetries ?? 10;
    let delay = firstDelay;
    let serverRetries = 0;
    const backOff = async () => {
      this.setSendState('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
    };
    try {
      let next: PendingMutation | undefined;
      while (!this.mismatch && (next = this.pending.find((mutation) => mutation.id > this.lastSentId))) {
        try {
          await this.options.transport.mutate(next.name, {
            args: next.args,
            clientId: this.clientId,
            mutationId: next.id,
            ...(this.options.schemaVersion === undefined
              ? {}
              : { schemaVersion: this.options.schemaVersion }),
          });
          this.lastSentId = next.id;
          delay = firstDelay;
          serverRetries = 0;
          this.setSendState('ok');
        } catch (error) {
          if (error instanceof TransportError) {
            await backOff();
            continue;
          }
          if (error instanceof SchemaVersionRefusal) {
            // Nothing was written and the id is free: keep it pending, for the reloaded page to carry on.
            this.setSendState('ok');
            this.markOutdated(error.mismatch);
            return;
          }
          if (error instanceof ServerRefusal && !error.state.consumed) {
            const expected = error.state.expectedMutationId;
            if (expected !== null && expected <= this.lastSentId) {
              this.renumberUnsentFrom(expected);
              // Once at once; should the server keep answering gaps (it should not), back off between them.
              if (serverRetries++ > 0) await backOff();
              continue;
            }
            if (expected === null && this.mayPass(error.code) && serverRetries < maxServerRetries) {
              serverRetries++;
              await backOff();
              continue;
            }
          }
          // Final. When the id was not consumed, the next mutation meets a gap and is renumbered then: the
          // server's answer, not a guess here, decides (a lost answer may hide a commit that did happen).
          this.lastSentId = next.id;
          delay = firstDelay;
          serverRetries = 0;
          this.setSendState('ok');
          await this.reject(next, error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /**
   * Whether a refusal that consumed nothing may pass if sent again. UNAUTHORIZED may, until the feed says the
   * session is gone for good (`signed-out`): it is also the answer to a mutation sent with a guest's cookie just
   * after that guest signed up or in from another tab. The guest's rows and mutation ids are the account's by then,
   * and the browser gets the account's cookie with that sign-in's answer, so the same mutation sent again moments
   * later applies as the account; given up at once, the user's change would be rolled back.
   */
  private mayPass(code: string): boolean {
    if (code === 'UNAUTHORIZED') return this.connection !== 'signed-out';
    return TRANSIENT_CODES.has(code);
  }

  /**
   * The server's last applied id of this client is `expected - 1`, below what this store sent: ids it refused
   * without consuming were left free. The mutations not sent yet take the ids from `expected` on, in order.
   */
  private renumberUnsentFrom(expected: number) {
    let id = expected;
    for (const mutation of this.pending) if (mutation.id > this.lastSentId) mutation.id = id++;
    this.lastSentId = expected - 1;
    this.nextMutationId = id;
  }

  private setSendState(state: SendState) {
    if (state === this.sendStatus) return;
    this.sendStatus = state;
    this.emit();
  }

  /** The server refused a mutation: remove only its effect. */
  private reject(mutation: PendingMutation, error: unknown): Promise<void> {
    return this.enqueue(async () => {
      const index = this.pending.indexOf(mutation);
      if (index < 0) return; // The feed already reported it.
      this.pending.splice(index, 1);
      mutation.settle({ ok: false, failure: this.report(mutation.name, error) });
      await this.recompute();
      this.emit();
    });
  }

  private refuse(name: string, error: unknown): MutationHandle {
    return { settled: Promise.resolve({ ok: false, failure: this.report(name, error) }) };
  }

  private report(name: string, error: unknown): MutationFailure {
    const failure = describeFailure(name, error);
    for (const listener of this.errorListeners) listener(failure);
    return failure;
  }

  private enqueue<TResult = void>(operation: () => Promise<TResult>): Promise<TResult> {
    const result = this.work.then(operation);
    // The next operation runs whatever this one's outcome.
    this.work = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private emit() {
    for (const listener of this.listeners) listener();
  }
}
