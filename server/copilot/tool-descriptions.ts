/**
 * Tool calls described for people (ToolExposure.describe), resolved on the server from the user's own data as the
 * model's calls stream by, and handed to the panel in the message's metadata ({@link CopilotMessageMetadata}),
 * keyed by tool call id: the approval card then asks "Delete the todo ‘Buy milk’?" instead of showing an id.
 */
import 'server-only';
import type { ToolReadContext } from '@/mutators/define';
import type { SyncedTableName } from '@/mutators/synced-tables';
import type { CopilotMessageMetadata } from '@/client/copilot/message-metadata';
import { syncedTables } from '../sync-tables';
import type { Queryable } from '../runtime/synced-table';
import { getOwnedRow } from '../runtime/synced-table';
import { describeToolCall } from '../runtime/tool-registry';

function readContext(db: Queryable, userId: string): ToolReadContext {
  return {
    userId,
    get: async <TName extends SyncedTableName>(table: TName, id: string) =>
      (await getOwnedRow(db, syncedTables[table], userId, id)) as never,
  };
}

interface ToolCallPart {
  type: 'tool-call';
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalid?: boolean;
}

function isToolCall(part: { type: string }): part is ToolCallPart {
  return part.type === 'tool-call';
}

/**
 * Passes the model's stream through, describing each tool call before it goes on (so the description is known
 * when the call reaches the panel). `descriptionOf(part)` then gives the metadata to attach to that part.
 */
export function describeToolCalls<TPart extends { type: string }>(
  stream: ReadableStream<TPart>,
  db: Queryable,
  userId: string,
): {
  stream: ReadableStream<TPart>;
  metadataFor(part: { type: string }): CopilotMessageMetadata | undefined;
} {
  const read = readContext(db, userId);
  const described = new Map<string, string>();
  return {
    stream: stream.pipeThrough(
      new TransformStream<TPart, TPart>({
        async transform(part, controller) {
          if (isToolCall(part) && !part.invalid) {
            const text = await describeToolCall(part.toolName, part.input, read);
            if (text) described.set(part.toolCallId, text);
          }
          controller.enqueue(part);
        },
      }),
    ),
    metadataFor(part) {
      if (!isToolCall(part)) return undefined;
      const text = described.get(part.toolCallId);
      return text ? { descriptions: { [part.toolCallId]: text } } : undefined;
    },
  };
}
