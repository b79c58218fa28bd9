/**
 * The copilot's tools for one chat request: the procedures offered for its {page URL, properties, user}, as AI SDK
 * tools whose `execute` goes through `callTool` — the same executor as tRPC, with availability checked again for
 * this request (so an approval given after navigating away runs only if the tool is still offered here).
 */
import 'server-only';
import { tool, type ToolSet } from 'ai';
import type { ToolContext } from '../../shared/define-mutator';
import { describeToolError } from '../runtime/tool-errors';
import type { ToolApprovalGrant } from '../runtime/tool-approvals';
import { callTool, listTools } from '../runtime/tool-registry';
import type { Runtime } from '../runtime/runtime';

/** Observes each tool execution (benchmarks measure handler time with it). */
export type ToolTimingHook = (name: string, startedAt: number, endedAt: number) => void;

export function buildChatTools(
  runtime: Runtime,
  context: ToolContext,
  signal: AbortSignal,
  onToolTiming?: ToolTimingHook,
  /** Claimed approvals by tool call id (copilot/approvals.ts): a tool that needs approval runs only with one. */
  approvals: ReadonlyMap<string, ToolApprovalGrant> = new Map(),
): ToolSet {
  return Object.fromEntries(
    listTools(runtime, context).map((descriptor) => [
      descriptor.name,
      tool({
        description: descriptor.description,
        inputSchema: descriptor.inputSchema,
        needsApproval: descriptor.needsApproval,
        async execute(input: unknown, options) {
          const startedAt = performance.now();
          try {
            const result = await callTool(
              runtime,
              descriptor.name,
              input,
              context,
              options.abortSignal ?? signal,
              approvals.get(options.toolCallId),
            );
            // Tool results travel as JSON (to the model, into the saved conversation): dates become ISO strings.
            return JSON.parse(JSON.stringify(result ?? null)) as unknown;
          } catch (error) {
            // The AI SDK turns a thrown error into a tool error: the model reads it, the panel shows it.
            throw new Error(describeToolError(descriptor.name, error));
          } finally {
            onToolTiming?.(descriptor.name, startedAt, performance.now());
          }
        },
      }),
    ]),
  );
}
