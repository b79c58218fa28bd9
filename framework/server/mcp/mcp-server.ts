/**
 * The MCP server for one request: the calling user's tools from the one registry, offered for the MCP context
 * (URL path {@link MCP_PATH}, no page properties), with zod input and output schemas. Calls go through `callTool`, the
 * same executor as tRPC and the copilot, so their changes reach every open browser live.
 */
import 'server-only';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MCP_PATH, type AnySchema, type ToolContext } from '../../shared/define-mutator';
import { describeToolError } from '../runtime/tool-errors';
import { callTool, listTools, type ToolDescriptor } from '../runtime/tool-registry';
import type { Runtime } from '../runtime/runtime';

/** What a mutator tool answers: that it ran, and the fields the server filled (e.g. the new row's id). */
const mutatorOutput = z.looseObject({ ok: z.literal(true) });

/** The tools MCP offers this user: those whose rules accept the MCP path, minus any that need approval. */
export function mcpTools(
  runtime: Pick<Runtime, 'app'>,
  user: { id: string },
  origin: string,
): { tools: ToolDescriptor[]; context: ToolContext } {
  const context: ToolContext = { url: new URL(MCP_PATH, origin), properties: {}, user };
  return { tools: listTools(runtime, context).filter((tool) => !tool.needsApproval), context };
}

/**
 * Object schemas of either zod package (a mutator's input is `zod/mini`, an action's full `zod`): core's class
 * recognizes both, where full zod's `ZodObject` would take a mini object for a non-object and offer no fields.
 */
function asObjectSchema(schema: AnySchema | null): z.core.$ZodObject | undefined {
  return schema instanceof z.core.$ZodObject ? schema : undefined;
}

function outputSchemaOf(tool: ToolDescriptor): z.core.$ZodObject | undefined {
  if (tool.kind === 'mutator') return mutatorOutput;
  return asObjectSchema(tool.outputSchema);
}

export function createMcpServer(runtime: Runtime, user: { id: string }, origin: string): McpServer {
  const server = new McpServer({ name: 'trpc-actions-starter', version: '0.1.0' });
  const { tools, context } = mcpTools(runtime, user, origin);
  for (const tool of tools) {
    const inputSchema: z.core.$ZodObject = asObjectSchema(tool.inputSchema) ?? z.object({});
    const outputSchema = outputSchemaOf(tool);
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema, ...(outputSchema ? { outputSchema } : {}) },
      async (args: unknown, extra): Promise<CallToolResult> => {
        try {
          const result = JSON.parse(
            JSON.stringify((await callTool(runtime, tool.name, args, context, extra.signal)) ?? null),
          ) as unknown;
          const structured = typeof result === 'object' && result !== null && !Array.isArray(result);
          return {
            content: [{ type: 'text', text: JSON.stringify(result) }],
            ...(structured && outputSchema ? { structuredContent: result as Record<string, unknown> } : {}),
          };
        } catch (error) {
          return { isError: true, content: [{ type: 'text', text: describeToolError(tool.name, error) }] };
        }
      },
    );
  }
  return server;
}
