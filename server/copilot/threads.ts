/**
 * The copilot's threads: several conversations per user, stored as UI messages (db/schema.ts copilotThreads).
 * The chat endpoint loads a thread and saves it after each turn; the `copilot` router lists, reads, renames and
 * deletes them, always for their owner (every query has the user in its WHERE, and thread ids are per user).
 *
 * Bounded (docs/architecture.md rule 12): a user keeps at most {@link THREAD_LIMITS.maxThreads} threads (saving a new
 * one deletes the least recently used beyond that) and a thread keeps its newest
 * {@link THREAD_LIMITS.maxStoredMessages} messages; the model sees fewer still (trim-history.ts).
 */
import 'server-only';
import type { UIMessage } from 'ai';
import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { copilotThreads } from '@/db/schema';

export const THREAD_LIMITS = {
  maxThreads: 100,
  maxStoredMessages: 1_000,
  maxTitleChars: 80,
} as const;

/** A thread as the list shows it. */
export interface ThreadSummary {
  id: string;
  title: string;
  updatedAt: Date;
}

export interface Thread extends ThreadSummary {
  messages: UIMessage[];
}

/** The user's threads, most recently used first. */
export async function listThreads(db: Db, userId: string): Promise<ThreadSummary[]> {
  return db
    .select({ id: copilotThreads.id, title: copilotThreads.title, updatedAt: copilotThreads.updatedAt })
    .from(copilotThreads)
    .where(eq(copilotThreads.userId, userId))
    .orderBy(desc(copilotThreads.updatedAt))
    .limit(THREAD_LIMITS.maxThreads);
}

/** One of the user's threads, or null (none with this id, or another user's: the same answer). */
export async function loadThread(db: Db, userId: string, id: string): Promise<Thread | null> {
  const [row] = await db
    .select()
    .from(copilotThreads)
    .where(and(eq(copilotThreads.userId, userId), eq(copilotThreads.id, id)));
  if (!row) return null;
  return { id: row.id, title: row.title, updatedAt: row.updatedAt, messages: row.messages as UIMessage[] };
}

/** A title from the first thing the user said, until they rename it. */
export function titleFrom(messages: UIMessage[]): string {
  const first = messages.find((message) => message.role === 'user');
  const text = (first?.parts ?? [])
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return 'New chat';
  return text.length > THREAD_LIMITS.maxTitleChars
    ? `${text.slice(0, THREAD_LIMITS.maxTitleChars - 1)}…`
    : text;
}

/**
 * Saves the thread's messages (keeping the newest {@link THREAD_LIMITS.maxStoredMessages}); a new thread gets a
 * title from its first message, and the user's threads beyond {@link THREAD_LIMITS.maxThreads} are deleted.
 */
export async function saveThread(db: Db, userId: string, id: string, messages: UIMessage[]): Promise<void> {
  const kept = messages.slice(-THREAD_LIMITS.maxStoredMessages);
  const now = new Date();
  const [saved] = await db
    .insert(copilotThreads)
    .values({ userId, id, title: titleFrom(kept), messages: kept, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [copilotThreads.userId, copilotThreads.id],
      set: { messages: kept, updatedAt: now },
    })
    // xmax = 0 only on a row this statement inserted: prune only when a thread was added.
    .returning({ inserted: sql<boolean>`xmax = 0` });
  if (saved?.inserted) await pruneThreads(db, userId);
}

async function pruneThreads(db: Db, userId: string): Promise<void> {
  const newest = db
    .select({ id: copilotThreads.id })
    .from(copilotThreads)
    .where(eq(copilotThreads.userId, userId))
    .orderBy(desc(copilotThreads.updatedAt))
    .limit(THREAD_LIMITS.maxThreads);
  await db
    .delete(copilotThreads)
    .where(and(eq(copilotThreads.userId, userId), notInArray(copilotThreads.id, newest)));
}

/** Renames one of the user's threads; false when there is no such thread. */
export async function renameThread(db: Db, userId: string, id: string, title: string): Promise<boolean> {
  const renamed = await db
    .update(copilotThreads)
    .set({ title })
    .where(and(eq(copilotThreads.userId, userId), eq(copilotThreads.id, id)))
    .returning({ id: copilotThreads.id });
  return renamed.length > 0;
}

/** Deletes one of the user's threads; false when there is no such thread. */
export async function deleteThread(db: Db, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(copilotThreads)
    .where(and(eq(copilotThreads.userId, userId), eq(copilotThreads.id, id)))
    .returning({ id: copilotThreads.id });
  return deleted.length > 0;
}
