/**
 * Browser-run tools (CopilotKit's frontend tools): a page declares them (client/copilot/browser-tools.ts) and sends
 * their declarations with each request; the model may call them, and the call waits, with no `execute` here, until
 * the tab runs it and sends its result back (thread-turn.ts takes it). They act on the page (select, scroll, fill a
 * field), never on data, so they need no approval and no server authorization: whatever they change goes through
 * the page's own mutators when the user acts.
 */
import 'server-only';
import { jsonSchema, tool, type JSONSchema7, type ToolSet } from 'ai';
import type { ChatRequest } from '@/framework/server';

export type ClientToolDeclaration = ChatRequest['clientTools'][number];

/** The declared tools as AI SDK tools, or the name of one that collides with a server tool. */
export function buildClientTools(
  declarations: ClientToolDeclaration[],
  isServerTool: (name: string) => boolean,
): { tools: ToolSet } | { collision: string } {
  const tools: ToolSet = {};
  for (const declaration of declarations) {
    if (isServerTool(declaration.name) || Object.hasOwn(tools, declaration.name)) {
      return { collision: declaration.name };
    }
    tools[declaration.name] = tool({
      description: `${declaration.description} (Runs in the user's browser tab, on the page they see.)`,
      inputSchema: jsonSchema<unknown>(declaration.parameters as JSONSchema7),
    });
  }
  return { tools };
}
