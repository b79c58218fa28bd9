/** Each user's one copilot conversation, stored as the chat panel's UI messages so that it survives a reload. */
import 'server-only';
import type { UIMessage } from 'ai';
import { eq } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { copilotConversations } from '@/db/schema';

/** The saved messages, oldest first; empty when the user has not chatted (or cleared the conversation). */
export async function loadConversation(db: Db, userId: string): Promise<UIMessage[]> {
  const [row] = await db
    .select({ messages: copilotConversations.messages })
    .from(copilotConversations)
    .where(eq(copilotConversations.userId, userId));
  return (row?.messages as UIMessage[] | undefined) ?? [];
}

/** Replaces the saved conversation (the client holds the whole of it and sends it with every turn). */
export async function saveConversation(db: Db, userId: string, messages: UIMessage[]): Promise<void> {
  const values = { userId, messages, updatedAt: new Date() };
  await db
    .insert(copilotConversations)
    .values(values)
    .onConflictDoUpdate({ target: copilotConversations.userId, set: values });
}

export async function clearConversation(db: Db, userId: string): Promise<void> {
  await db.delete(copilotConversations).where(eq(copilotConversations.userId, userId));
}
