/**
 * One sentence for a failed tool call, for the model (as its tool error), the chat panel and MCP clients alike:
 * input errors name each field, deliberate errors keep their message, anything unexpected says only that it failed
 * (the details go to the server log, never to a model or another client).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { toTRPCError } from './errors';

/** Issue paths of a tool's input, without the executor's `args` envelope prefix. */
function fieldPath(path: PropertyKey[]): string {
  const keys = path[0] === 'args' ? path.slice(1) : path;
  return keys.length > 0 ? keys.map(String).join('.') : '(input)';
}

export function describeToolError(name: string, error: unknown): string {
  const trpcError = error instanceof TRPCError ? error : toTRPCError(error);
  if (trpcError.code === 'BAD_REQUEST' && trpcError.cause instanceof ZodError) {
    const issues = trpcError.cause.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
    return `Invalid input for ${name}: ${issues.join('; ')}`;
  }
  if (trpcError.code === 'INTERNAL_SERVER_ERROR') {
    console.error(`Tool ${name} failed`, error);
    return `${name} failed on the server (see the server log)`;
  }
  return trpcError.message;
}
