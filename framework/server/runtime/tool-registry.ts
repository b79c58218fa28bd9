/**
 * The procedures offered as tools, from the same registries as the tRPC procedures (mutators, actions): which ones
 * a request may see, and the one way to call them. The chat endpoint and MCP build their tool lists here; a call
 * to a tool that was not offered for its context is refused before anything runs (docs/architecture.md rule 8).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type {
  AnySchema,
  ToolContext,
  ToolExposure,
  ToolFillContext,
  ToolReadContext,
} from '../../shared/define-mutator';
import type { SyncApp } from './app';
import { callAction } from './action-executor';
import { executeMutation } from './executor';
import type { Runtime } from './runtime';
import { spendGrant, type ToolApprovalGrant } from './tool-approvals';

/** A tool as a model or MCP client sees it. */
export interface ToolDescriptor {
  /** The procedure's own name (`addTodo`): model APIs allow only `[a-zA-Z0-9_-]` in tool names. */
  name: string;
  /** The tRPC path of the same procedure (`mutators.addTodo`, `actions.summarizeTodos`). */
  procedure: string;
  kind: 'mutator' | 'action';
  description: string;
  /** The procedure's input schema without the fields the server fills ({@link ToolExposure.fill}). */
  inputSchema: AnySchema;
  /** The action's output schema; null for mutators (they answer with the fields the server filled). */
  outputSchema: AnySchema | null;
  needsApproval: boolean;
}

interface Exposable {
  description?: string;
  input: AnySchema;
  output?: AnySchema;
  tool?: ToolExposure;
  internal?: boolean;
}

type ExposedTool = ToolDescriptor & { exposure: ToolExposure };

const exposedByApp = new WeakMap<SyncApp, Map<string, ExposedTool>>();

/** Every exposed procedure of the app by tool name; the registries are static, so this is built once per app. */
function allTools(app: SyncApp): Map<string, ExposedTool> {
  let exposed = exposedByApp.get(app);
  if (!exposed) {
    exposed = buildTools(app);
    exposedByApp.set(app, exposed);
  }
  return exposed;
}

function buildTools(app: SyncApp): Map<string, ExposedTool> {
  const entries = [
    ...Object.entries(app.mutators as Record<string, Exposable>).map(([name, definition]) => ({
      name,
      kind: 'mutator' as const,
      definition,
    })),
    ...Object.entries(app.actions as Record<string, Exposable>).map(([name, definition]) => ({
      name,
      kind: 'action' as const,
      definition,
    })),
  ];
  const tools = new Map<string, ExposedTool>();
  for (const { name, kind, definition } of entries) {
    const exposure = definition.tool;
    if (!exposure) continue;
    const procedure = `${kind}s.${name}`;
    // An internal procedure has no client surface, and a tool is one (the model acts for the user).
    if (definition.internal) throw new Error(`${procedure} is internal, so it cannot be exposed as a tool`);
    if (!definition.description) throw new Error(`${procedure} is exposed as a tool but has no description`);
    if (tools.has(name)) throw new Error(`Two procedures are exposed as the tool ${name}: rename one`);
    tools.set(name, {
      name,
      procedure,
      kind,
      description: definition.description,
      inputSchema: modelFacingSchema(procedure, definition.input, exposure),
      outputSchema: kind === 'action' ? (definition.output ?? null) : null,
      needsApproval: exposure.needsApproval ?? false,
      exposure,
    });
  }
  return tools;
}

/**
 * The input schema minus the filled fields; only object schemas can have fields filled. Of either zod package (a
 * mutator's is `zod/mini`, an action's full `zod`): the omitted copy keeps its package's class.
 */
function modelFacingSchema(procedure: string, input: AnySchema, exposure: ToolExposure): AnySchema {
  const filled = Object.keys(exposure.fill ?? {});
  if (filled.length === 0) return input;
  if (!(input instanceof z.core.$ZodObject)) {
    throw new Error(`${procedure} fills tool input fields, so its input must be a z.object`);
  }
  const mask = Object.fromEntries(filled.map((key) => [key, true]));
  return z.core.util.omit(input, mask) as AnySchema;
}

function isAvailable(exposure: ToolExposure, context: ToolContext): boolean {
  try {
    return exposure.availableWhen ? exposure.availableWhen(context) === true : true;
  } catch {
    return false; // A rule that throws on odd client input offers nothing, rather than failing the request.
  }
}

/** Whether a procedure of the app is exposed as a tool under this name (offered here or not). */
export function isRegisteredTool(runtime: Pick<Runtime, 'app'>, name: string): boolean {
  return allTools(runtime.app).has(name);
}

/** The tools offered for this page, these properties and this user. */
export function listTools(runtime: Pick<Runtime, 'app'>, context: ToolContext): ToolDescriptor[] {
  return [...allTools(runtime.app).values()]
    .filter((tool) => isAvailable(tool.exposure, context))
    .map(({ exposure: _exposure, ...tool }) => tool);
}

/** The server-made fields of one call. */
function fillFields(exposure: ToolExposure, properties: Record<string, unknown>): Record<string, unknown> {
  const call: ToolFillContext = { now: new Date(), newId: () => crypto.randomUUID(), properties };
  return Object.fromEntries(Object.entries(exposure.fill ?? {}).map(([key, make]) => [key, make?.(call)]));
}

/**
 * Calls a tool for the context it was offered in: refuses (FORBIDDEN) a tool that is not available there, and a
 * tool that needs approval unless `approval` is an unspent grant for it (framework/server/runtime/tool-approvals.ts: only a
 * consumed, single-use approval makes one — the chat handler's approval path; MCP has no way to ask a user, so it
 * never offers such tools and never has a grant). Then it fills the server-made fields and runs the tool through
 * the same executor as its tRPC procedure (validation, authorization, change feed). Resolves to the action's
 * output, or for a mutator to the fields the server filled (e.g. the new id).
 */
export async function callTool(
  runtime: Runtime,
  name: string,
  input: unknown,
  context: ToolContext,
  signal: AbortSignal,
  approval?: ToolApprovalGrant,
): Promise<unknown> {
  const tool = allTools(runtime.app).get(name);
  if (!tool || !isAvailable(tool.exposure, context)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `The tool ${name} is not available here` });
  }
  if (tool.needsApproval && !spendGrant(approval, name)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${name} runs only with the user's approval, and this call has none (or it was already used)`,
    });
  }
  const filled = fillFields(tool.exposure, context.properties);
  // Filled fields win over anything the caller sent under the same names.
  const args = typeof input === 'object' && input !== null ? { ...input, ...filled } : input;
  const procedure = tool.procedure.slice(tool.procedure.indexOf('.') + 1);
  if (tool.kind === 'action')
    return callAction(runtime, procedure, args, { userId: context.user.id, signal });
  await executeMutation(runtime, context.user.id, procedure, { args });
  return { ok: true, ...filled };
}

/**
 * How a call of this tool reads to the user (its `describe`), or null when it has none or it failed: a description
 * is a courtesy, so a failure is logged and the card falls back to the tool's name and input.
 */
export async function describeToolCall(
  runtime: Pick<Runtime, 'app'>,
  name: string,
  input: unknown,
  read: ToolReadContext,
): Promise<string | null> {
  const exposure = allTools(runtime.app).get(name)?.exposure;
  if (!exposure?.describe) return null;
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  try {
    const text = await exposure.describe(fields, read);
    return typeof text === 'string' && text.trim() ? text.trim().slice(0, 500) : null;
  } catch (error) {
    console.error(`Could not describe a call of ${name}`, error);
    return null;
  }
}
