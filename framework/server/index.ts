/**
 * The framework's server public API. The app hands it its parts with {@link createSyncServer} and builds its own
 * routers from the same tRPC building blocks; everything here is server-only.
 */
import 'server-only';

export { createSyncServer, type SyncServer, type SyncServerConfig } from './sync-server';
export * from './db';
export { syncedTable } from './db/synced-table-declaration';

// The runtime and the one data path.
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime/runtime';
export type { SchemaModule, SyncApp } from './runtime/app';
export {
  createDefineAction,
  type Action,
  type ActionContext,
  type AnyAction,
  type AnyActions,
} from './runtime/define-action';
export type { MutationGroup } from './runtime/mutation-group';
export {
  executeMutation,
  type MutationOptions,
  type MutationRequest,
  type MutationResult,
} from './runtime/executor';
export { callAction, enqueueRun, type ActionCall } from './runtime/action-executor';
export { insertRun, updateRun } from './runtime/action-runs';
export {
  startActionQueue,
  type ActionQueue,
  type QueueOptions,
  type RunOutcome,
} from './runtime/action-queue';
export {
  startRetention,
  DEFAULT_RETENTION,
  type RetentionJob,
  type RetentionOptions,
  type RetentionReport,
} from './runtime/retention';
export { currentVersion } from './runtime/change-log';
export { readSnapshot } from './runtime/snapshot';
export type { Queryable } from './runtime/synced-table';
export { CredentialReplacedError, CredentialRevokedError, type CredentialWatch } from './runtime/credential';
export { findUnstorable, isStorableText, UNSTORABLE_TEXT_MESSAGE } from './runtime/errors';
export {
  callTool,
  describeToolCall,
  isRegisteredTool,
  listTools,
  type ToolDescriptor,
} from './runtime/tool-registry';
export type { ToolApprovalGrant } from './runtime/tool-approvals';

// tRPC building blocks, shared by the framework's routers and the app's.
export type { Context } from './context';
export {
  createCallerFactory,
  publicProcedure,
  router,
  sessionProcedure,
  SSE_KEEPALIVE,
  userProcedure,
  type InputIssue,
} from './trpc';
export { serializeOnce, transformer } from './transformer';

// Users, process lifecycle, limits, telemetry.
export { ensureUser, forgetUser, type EnsureUserOptions, type SessionUser } from './users';
export { moveUserData, type MoveUserDataOptions, type UserDataColumn } from './move-user-data';
export { installShutdownHandlers, installWorkerShutdownHandlers, WORKER_GRACE_MS } from './shutdown';
export { DEFAULT_LIMITS, type LimitPolicies } from './limits/policies';
export { limitModelCall, takeModelCall } from './limits/model-calls';
export { refuseNewVisitor } from './limits/new-visitors';
export { clientAddress, PEER_ADDRESS_HEADER } from './limits/client-address';
export { installPeerAddressStamp } from './limits/peer-address-stamp';
export { RateLimitedError, retryAfterOf } from './limits/rate-limited-error';
export { registerTracing, tracingConfigured } from './telemetry/register';
export { withSpan } from './telemetry/tracing';

// The copilot's chat handler core and the MCP server core.
export { claimAnsweredApprovals, recordApprovalRequests } from './copilot/approvals';
export {
  BodyTooLargeError,
  CHAT_LIMITS,
  chatRequestSchema,
  readLimitedText,
  type ChatRequest,
} from './copilot/chat-request';
export {
  buildChatTools,
  ToolCallError,
  type ChatToolOptions,
  type ToolTimingHook,
} from './copilot/chat-tools';
export {
  createRepeatGuard,
  MAX_IDENTICAL_CALLS,
  RepeatedCallError,
  type RepeatGuard,
} from './copilot/repeat-guard';
export { describeProviderFailure } from './copilot/provider-errors';
export { createRateLimiter, type RateLimiter } from './copilot/rate-limit';
export { describeStreamError, endWithErrorPart, watchForAnswer } from './copilot/stream-errors';
export { settleUnofferedToolCalls, type SettledCall } from './copilot/unoffered-tool-calls';
export { describeToolCalls, type ToolDescriptionsMetadata } from './copilot/tool-descriptions';
export { createMcpServer, mcpTools } from './mcp/mcp-server';

// The change feed's SSE endpoint (tried before tRPC's handler for GET sync.changes).
export {
  createFeedEndpoint,
  FEED_PATH,
  type FeedEndpoint,
  type FeedEndpointOptions,
} from './feed/feed-endpoint';
