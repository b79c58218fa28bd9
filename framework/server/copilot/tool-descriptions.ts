/**
 * Tool calls described for people (ToolExposure.describe), resolved on the server from the user's own data as the
 * model's calls stream by, and handed to the panel in the message's metadata ({@link ToolDescriptionsMetadata}),
 * keyed by tool call id: the approval card then asks "Delete the todo ‘Buy milk’?" instead of showing an id.
 */
import 'server-only';
import type { ToolReadContext } from '../../shared/define-mutator';
import type { Runtime } from '../runtime/runtime';
import { getOwnedRow, type Queryable } from '../runtime/synced-table';
import { describeToolCall } from '../runtime/tool-registry';

/** What a reply's metadata carries from here: each described call's words, by tool call id. */
export interface ToolDescriptionsMetadata {
  descriptions: Record<string, string>;
}

/** The user's own rows of the app's synced tables, read-only; any other table or user reads as nothing. */
function readContext(runtime: Pick<Runtime, 'app'>, db: Queryable, userId: string): ToolReadContext {
  return {
    userId,
    async get<TRow>(table: string, id: string) {
      const config = Object.hasOwn(runtime.app.tables, table) ? runtime.app.tables[table] : undefined;
      if (!config) return undefined;
      return (await getOwnedRow(db, config, userId, id)) as TRow | undefined;
    },
  } as ToolReadContext;
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
  runtime: Pick<Runtime, 'app'>,
  stream: ReadableStream<TPart>,
  db: Queryable,
  userId: string,
): {
  stream: ReadableStream<TPart>;
  metadataFor(part: { type: string }): ToolDescriptionsMetadata | undefined;
} {
  const read = readContext(runtime, db, userId);
  const described = new Map<string, string>();
  return {
    stream: stream.pipeThrough(
      new TransformStream<TPart, TPart>({
        async transform(part, controller) {
          if (isToolCall(part) && !part.invalid) {
            const text = await describeToolCall(runtime, part.toolName, part.input, read);
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
