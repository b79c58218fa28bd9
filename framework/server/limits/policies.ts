/**
 * The rate-limit policies a runtime enforces, set from the environment (server/env.ts) for the process, and by
 * tests for theirs. Kept on the runtime object, so every bundle of a Next process (proxy, routes, instrumentation)
 * reads the same policies.
 */
import type { RateLimitPolicy } from './db-rate-limiter';

export interface LimitPolicies {
  /**
   * Model calls per user, shared by everything that calls a model: streams.draftTodo, actions marked `callsModel`
   * (counted when called, or when enqueued — a queued run is not counted again), the copilot's chat turns.
   */
  modelCalls: RateLimitPolicy;
  /** New anonymous sessions (each becomes a user with example todos) per client address. */
  newVisitors: RateLimitPolicy;
}

export const DEFAULT_LIMITS: LimitPolicies = {
  modelCalls: { points: 20, durationSeconds: 60 },
  newVisitors: { points: 20, durationSeconds: 60 * 60 },
};
