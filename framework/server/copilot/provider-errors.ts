/**
 * A model provider's failure in our own words. A provider's error text can quote the request, including the API key
 * it was sent (ours or the user's), so it goes to the server log only; what users, tabs and synced rows see is this.
 */
import 'server-only';
import { APICallError } from 'ai';

/** E.g. "the model provider answered HTTP 401", or "the model provider failed" when there was no HTTP answer. */
export function describeProviderFailure(error: unknown): string {
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    return `the model provider answered HTTP ${error.statusCode}`;
  }
  return 'the model provider failed';
}
