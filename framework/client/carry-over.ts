/**
 * Pending changes carried across a reload after a deploy changed the schema version. The old page saves what it has
 * not had confirmed (the store's {@link CarriedMutations}); the reloaded page takes it back and the store replays what
 * still validates (store.ts `restore`).
 *
 * Where: the record lives in `localStorage` under its client id; the tab's `sessionStorage` holds only that id, so
 * the record belongs to the tab that saved it (a new tab never picks it up). Taking removes it from both at once: a
 * duplicated tab (browsers copy `sessionStorage` into the duplicate) finds the record gone and cannot send the same
 * client id's mutations a second time. Records left behind by tabs that closed instead of reloading expire after
 * {@link CARRY_OVER_TTL_MS}.
 *
 * The wire format's superjson keeps Dates and other non-JSON values of the arguments as they were.
 */
import superjson from 'superjson';

/** One pending mutation as it was numbered by the page that saved it. */
export interface CarriedMutation {
  id: number;
  name: string;
  args: unknown;
}

/** What a page carries over: its client id (the server knows which of its ids it applied) and its pending list. */
export interface CarriedMutations {
  clientId: string;
  /** The user they were made by: another user's page never replays them. */
  userId: string;
  /** The schema version they were made under. */
  schemaVersion: number;
  /** When they were saved (ms since the epoch). */
  savedAt: number;
  /** In id order. */
  mutations: CarriedMutation[];
}

/** How long a saved record waits for its tab to reload before any page load deletes it. */
export const CARRY_OVER_TTL_MS = 24 * 60 * 60 * 1000;

const KEY_PREFIX = 'trpc-actions-starter.carry-over:';
const TAB_KEY = 'trpc-actions-starter.carry-over';

/**
 * The record's shape, checked by hand rather than with zod: this runs as the page starts, and the first load
 * carries no zod (issue 17). Same rules as the zod schema it replaces.
 */
function isRecord(value: unknown): value is CarriedMutations {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    isText(record.clientId, 64) &&
    isText(record.userId) &&
    Number.isSafeInteger(record.schemaVersion) &&
    (record.schemaVersion as number) >= 0 &&
    typeof record.savedAt === 'number' &&
    Number.isFinite(record.savedAt) &&
    Array.isArray(record.mutations) &&
    record.mutations.every(isCarriedMutation)
  );
}

function isCarriedMutation(value: unknown): value is CarriedMutation {
  if (typeof value !== 'object' || value === null) return false;
  const mutation = value as Record<string, unknown>;
  return Number.isSafeInteger(mutation.id) && (mutation.id as number) > 0 && isText(mutation.name);
}

/** A non-empty string of at most `max` characters. */
function isText(value: unknown, max = Infinity): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

/** The two storages used (the browser's by default; tests pass their own). */
export interface CarryOverStorage {
  local: Storage;
  session: Storage;
}

function browserStorage(): CarryOverStorage | null {
  return typeof window === 'undefined'
    ? null
    : { local: window.localStorage, session: window.sessionStorage };
}

/**
 * Saves (or replaces) this tab's record. False when it could not be stored (no storage, or the quota is full): the
 * changes then live only in the open page, and the caller should say so.
 */
export function saveCarryOver(record: CarriedMutations, storage = browserStorage()): boolean {
  if (!storage) return false;
  try {
    if (record.mutations.length === 0) {
      storage.local.removeItem(KEY_PREFIX + record.clientId);
      storage.session.removeItem(TAB_KEY);
      return true;
    }
    storage.local.setItem(KEY_PREFIX + record.clientId, superjson.stringify(record));
    storage.session.setItem(TAB_KEY, record.clientId);
    return true;
  } catch (error) {
    console.error('[sync] could not save the pending changes for the reload:', error);
    return false;
  }
}

/**
 * Takes this tab's record, if it saved one, and removes it; also deletes expired records of other tabs. A record
 * that does not parse is dropped with a console error (it was not written by this code).
 */
export function takeCarryOver(storage = browserStorage(), now = Date.now()): CarriedMutations | null {
  if (!storage) return null;
  const clientId = storage.session.getItem(TAB_KEY);
  storage.session.removeItem(TAB_KEY);
  let record: CarriedMutations | null = null;
  if (clientId) {
    const text = storage.local.getItem(KEY_PREFIX + clientId);
    storage.local.removeItem(KEY_PREFIX + clientId);
    if (text !== null) record = parseRecord(text, clientId);
  }
  purgeExpired(storage.local, now);
  return record && now - record.savedAt <= CARRY_OVER_TTL_MS ? record : null;
}

function parseRecord(text: string, clientId: string): CarriedMutations | null {
  let value: unknown;
  try {
    value = superjson.parse(text);
  } catch (error) {
    console.error('[sync] the saved pending changes are not readable; dropped:', error);
    return null;
  }
  if (!isRecord(value) || value.clientId !== clientId) {
    console.error('[sync] the saved pending changes have an unknown shape; dropped');
    return null;
  }
  const { clientId: id, userId, schemaVersion, savedAt } = value;
  // Only the known fields, as the zod object this replaces kept (it stripped the rest).
  const mutations = value.mutations.map(({ id, name, args }) => ({ id, name, args }));
  return { clientId: id, userId, schemaVersion, savedAt, mutations: mutations.sort((a, b) => a.id - b.id) };
}

function purgeExpired(local: Storage, now: number) {
  const keys: string[] = [];
  for (let index = 0; index < local.length; index++) {
    const key = local.key(index);
    if (key?.startsWith(KEY_PREFIX)) keys.push(key);
  }
  for (const key of keys) {
    const text = local.getItem(key);
    const savedAt = text === null ? null : savedAtOf(text);
    if (savedAt === null || now - savedAt > CARRY_OVER_TTL_MS) local.removeItem(key);
  }
}

function savedAtOf(text: string): number | null {
  try {
    const value = superjson.parse<{ savedAt?: unknown }>(text);
    return typeof value?.savedAt === 'number' ? value.savedAt : null;
  } catch {
    // Unreadable: treated as expired, so the caller deletes it.
    return null;
  }
}
