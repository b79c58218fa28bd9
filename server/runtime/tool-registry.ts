/**
 * The procedures offered as tools, from the same registries as the tRPC procedures (mutators, actions): which ones
 * a request may see, and the one way to call them. The chat endpoint and MCP build their tool lists here; a call
 * to a tool that was not offered for its context is refused before anything runs (DESIGN.md rule 8).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { ToolContext, ToolExposure } from '@/mutators/define';
import { mutators } from '@/mutators/registry';
import { actions } from '../actions/registry';
import { callAction } from './action-executor';
import { executeMutation } from './executor';
import type { Runtime } from './runtime';

/** A tool as a model or MCP client sees it. Names are `mutators.<name>` or `actions.<name>`. */
export interface ToolDescriptor {
  name: string;
  kind: 'mutator' | 'action';
  description: string;
  inputSchema: z.ZodType;
  needsApproval: boolean;
}

interface Exposable {
  description?: string;
  input: z.ZodType;
  tool?: ToolExposure;
}

type ExposedTool = ToolDescriptor & { exposure: ToolExposure };

let exposed: ExposedTool[] | undefined;

/** Every exposed procedure; the registries are static, so this is built once. */
function allTools(): ExposedTool[] {
  exposed ??= buildTools();
  return exposed;
}

function buildTools(): ExposedTool[] {
  const entries = [
    ...Object.entries(mutators as Record<string, Exposable>).map(([name, definition]) => ({
      name: `mutators.${name}`,
      kind: 'mutator' as const,
      definition,
    })),
    ...Object.entries(actions as unknown as Record<string, Exposable>).map(([name, definition]) => ({
      name: `actions.${name}`,
      kind: 'action' as const,
      definition,
    })),
  ];
  return entries.flatMap(({ name, kind, definition }) => {
    if (!definition.tool) return [];
    if (!definition.description) throw new Error(`${name} is exposed as a tool but has no description`);
    return [
      {
        name,
        kind,
        description: definition.description,
        inputSchema: definition.input,
        needsApproval: definition.tool.needsApproval ?? false,
        exposure: definition.tool,
      },
    ];
  });
}

function isAvailable(exposure: ToolExposure, context: ToolContext): boolean {
  try {
    return exposure.availableWhen ? exposure.availableWhen(context) === true : true;
  } catch {
    return false; // A rule that throws on odd client input offers nothing, rather than failing the request.
  }
}

/** The tools offered for this page, these properties and this user. */
export function listTools(context: ToolContext): ToolDescriptor[] {
  return allTools()
    .filter((tool) => isAvailable(tool.exposure, context))
    .map(({ exposure: _exposure, ...tool }) => tool);
}

/**
 * Calls a tool for the context it was offered in: refuses (FORBIDDEN) a tool that is not available there, then runs
 * it through the same executor as its tRPC procedure (validation, authorization, change feed).
 */
export async function callTool(
  runtime: Runtime,
  name: string,
  input: unknown,
  context: ToolContext,
  signal: AbortSignal,
): Promise<unknown> {
  const tool = allTools().find((candidate) => candidate.name === name);
  if (!tool || !isAvailable(tool.exposure, context)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `The tool ${name} is not available here` });
  }
  const procedure = name.slice(name.indexOf('.') + 1);
  if (tool.kind === 'mutator') return executeMutation(runtime, context.user.id, procedure, { args: input });
  return callAction(runtime, procedure, input, { userId: context.user.id, signal });
}
