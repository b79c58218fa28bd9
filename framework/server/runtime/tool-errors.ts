/**
 * One sentence for a failed tool call, for the model (as its tool error), the chat panel and MCP clients alike:
 * input errors name each field, deliberate errors keep their message, anything unexpected says only that it failed
 * (the details go to the server log, never to a model or another client).
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { ZodError, type core } from 'zod';
import { toTRPCError } from './errors';

/** Issue paths of a tool's input, without the executor's `args` envelope prefix. */
function fieldPath(path: PropertyKey[]): string {
  const keys = path[0] === 'args' ? path.slice(1) : path;
  return keys.length > 0 ? keys.map(String).join('.') : '(input)';
}

/** One input problem in words: the field by name, and what it must be (never a pattern or a schema dump). */
function describeIssue(issue: core.$ZodIssue): string {
  const field = `“${fieldPath(issue.path)}”`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field} is missing`;
  if (issue.code === 'invalid_type') return `${field} must be a ${issue.expected}`;
  if (issue.code === 'invalid_format') {
    const format =
      issue.format === 'uuid' ? 'an id (a UUID, as the tools return it)' : `a valid ${issue.format}`;
    return `${field} must be ${format}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `unknown field ${issue.keys.map((key) => `“${key}”`).join(', ')}`;
  return `${field} ${issue.message.replace(/^Invalid input: /, '')}`;
}

export function describeToolError(name: string, error: unknown): string {
  const trpcError = error instanceof TRPCError ? error : toTRPCError(error);
  if (trpcError.code === 'BAD_REQUEST' && trpcError.cause instanceof ZodError) {
    return `Invalid input for ${name}: ${trpcError.cause.issues.map(describeIssue).join('; ')}`;
  }
  if (trpcError.code === 'INTERNAL_SERVER_ERROR') {
    console.error(`Tool ${name} failed`, error);
    return `${name} failed on the server (see the server log)`;
  }
  return trpcError.message;
}
