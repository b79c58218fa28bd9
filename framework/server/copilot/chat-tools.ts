/**
 * The copilot's tools for one chat request: the procedures offered for its {page URL, properties, user}, as AI SDK
 * tools whose `execute` goes through `callTool` — the same executor as tRPC, with availability checked again for
 * this request (so an approval given after navigating away runs only if the tool is still offered here).
 *
 * The model's input is not validated by the AI SDK here but by the executor, like every other caller's: its errors
 * name the field in words (runtime/tool-errors.ts), where the SDK's would quote the schema (a UUID regex).
 */
import 'server-only';
import { jsonSchema, tool, zodSchema, type JSONSchema7, type ToolSet } from 'ai';
import type { AnySchema, ToolContext } from '../../shared/define-mutator';
import { describeToolError } from '../runtime/tool-errors';
import type { ToolApprovalGrant } from '../runtime/tool-approvals';
import { callTool, listTools } from '../runtime/tool-registry';
import type { Runtime } from '../runtime/runtime';
import { RepeatedCallError, type RepeatGuard } from './repeat-guard';

/**
 * A tool's failure as the model and the panel read it: the AI SDK sends `error.toString()`, which for a plain Error
 * starts with "Error: ". This one is just the sentence.
 */
export class ToolCallError extends Error {
  override toString(): string {
    return this.message;
  }
}

/** Observes each tool execution (benchmarks measure handler time with it). */
export type ToolTimingHook = (name: string, startedAt: number, endedAt: number) => void;

/** The JSON schema the model sees, made once per procedure schema (the registries are static). */
const modelSchemas = new WeakMap<AnySchema, JSONSchema7>();
function modelSchema(input: AnySchema): JSONSchema7 {
  let schema = modelSchemas.get(input);
  if (!schema) {
    schema = zodSchema(input).jsonSchema as JSONSchema7;
    modelSchemas.set(input, schema);
  }
  return schema;
}

export interface ChatToolOptions {
  onToolTiming?: ToolTimingHook;
  /** Claimed approvals by tool call id (copilot/approvals.ts): a tool that needs approval runs only with one. */
  approvals?: ReadonlyMap<string, ToolApprovalGrant>;
  /** Stops a turn that repeats one call (repeat-guard.ts). */
  repeatGuard?: RepeatGuard;
}

export function buildChatTools(
  runtime: Runtime,
  context: ToolContext,
  signal: AbortSignal,
  options: ChatToolOptions = {},
): ToolSet {
  const approvals = options.approvals ?? new Map<string, ToolApprovalGrant>();
  return Object.fromEntries(
    listTools(runtime, context).map((descriptor) => [
      descriptor.name,
      tool({
        description: descriptor.description,
        // No `validate`: the executor validates (see above).
        inputSchema: jsonSchema<unknown>(modelSchema(descriptor.inputSchema)),
        needsApproval: descriptor.needsApproval,
        async execute(input: unknown, callOptions) {
          const startedAt = performance.now();
          try {
            options.repeatGuard?.check(descriptor.name, input);
            const result = await callTool(
              runtime,
              descriptor.name,
              input,
              context,
              callOptions.abortSignal ?? signal,
              approvals.get(callOptions.toolCallId),
            );
            // Tool results travel as JSON (to the model, into the saved conversation): dates become ISO strings.
            return JSON.parse(JSON.stringify(result ?? null)) as unknown;
          } catch (error) {
            // The AI SDK turns a thrown error into a tool error: the model reads it, the panel shows it.
            if (error instanceof RepeatedCallError) throw new ToolCallError(error.message);
            throw new ToolCallError(describeToolError(descriptor.name, error));
          } finally {
            options.onToolTiming?.(descriptor.name, startedAt, performance.now());
          }
        },
      }),
    ]),
  );
}
