/**
 * Turns whatever a mutation failed with (a local zod or mutator error, or the server's tRPC error) into the one
 * shape the store reports to the UI.
 */
import { core } from 'zod/mini';
import { MutatorError } from '../shared/define-mutator';

/** Why a mutation did not take effect. */
export interface MutationFailure {
  mutator: string;
  /** A tRPC error code such as NOT_FOUND, BAD_REQUEST or INTERNAL_SERVER_ERROR. */
  code: string;
  message: string;
}

export function describeFailure(name: string, error: unknown): MutationFailure {
  // Core's class: a zod/mini schema's error (the store's check) and full zod's ZodError both pass.
  if (error instanceof core.$ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join('.') ?? '';
    return {
      mutator: name,
      code: 'BAD_REQUEST',
      message: `${field ? `${field}: ` : ''}${issue?.message ?? 'Invalid input'}`,
    };
  }
  if (error instanceof MutatorError) return { mutator: name, code: error.code, message: error.message };
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const data = (error as { data?: { code?: string } }).data;
    const code = data?.code ?? (error as { code?: string }).code ?? 'INTERNAL_SERVER_ERROR';
    return { mutator: name, code, message: String((error as { message: unknown }).message) };
  }
  return { mutator: name, code: 'INTERNAL_SERVER_ERROR', message: String(error) };
}
