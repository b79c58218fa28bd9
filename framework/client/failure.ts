/**
 * Turns whatever a mutation failed with (a local zod or mutator error, or the server's tRPC error) into the one
 * shape the store reports to the UI.
 */
import { MutatorError } from '../shared/mutator-error';

/** One input problem as a Standard Schema reports it (zod's issues are such). */
export interface InputIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Input a mutator's schema refused in the browser (the store validates through the Standard Schema interface). */
export class InputError extends Error {
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues[0]?.message ?? 'Invalid input');
    this.name = 'InputError';
  }
}

/** Why a mutation did not take effect. */
export interface MutationFailure {
  mutator: string;
  /** A tRPC error code such as NOT_FOUND, BAD_REQUEST or INTERNAL_SERVER_ERROR. */
  code: string;
  message: string;
}

export function describeFailure(name: string, error: unknown): MutationFailure {
  if (error instanceof InputError) {
    const issue = error.issues[0];
    const field = (issue?.path ?? []).map((key) => String(typeof key === 'object' ? key.key : key)).join('.');
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
