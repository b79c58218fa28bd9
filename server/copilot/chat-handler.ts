/**
 * POST /api/chat: one copilot turn. In order — refuse other sites and other content types, parse and limit the
 * body, authenticate the session, rate-limit the user, pick the model, offer the tools allowed for {page URL,
 * properties, user}, then stream the model's answer (text, tool calls, approvals, results) back as the AI SDK UI
 * message stream, and save the conversation.
 */
import 'server-only';
import { createHmac } from 'node:crypto';
import {
  convertToModelMessages,
  createUIMessageStreamResponse,
  generateId,
  isStepCount,
  safeValidateUIMessages,
  streamText,
  toUIMessageStream,
  type UIMessage,
} from 'ai';
import { eq } from 'drizzle-orm';
import { providerSettings } from '@/db/schema';
import type { ToolContext } from '@/framework/shared';
import type { ModelChoice, ModelOverrides } from '../ai/model';
import { createRequestContext, type ContextDeps } from '../context';
import { refuseForeignOrigin, refuseMediaType } from '../http/request-guards';
import { findUnstorable } from '@/framework/server';
import type { ToolApprovalGrant } from '@/framework/server';
import { BodyTooLargeError, CHAT_LIMITS, chatRequestSchema, readLimitedText } from '@/framework/server';
import { claimAnsweredApprovals, recordApprovalRequests } from '@/framework/server';
import { buildChatTools, type ToolTimingHook } from '@/framework/server';
import { saveConversation } from './conversation';
import { settleUnofferedToolCalls } from '@/framework/server';
import type { RateLimiter } from '@/framework/server';
import { describeStreamError, endWithErrorPart } from '@/framework/server';
import { copilotSystemPrompt } from './system-prompt';

/** What the handler is built from; the route passes the process's, tests their own. */
export interface ChatDeps {
  contextDeps: ContextDeps;
  chooseModel(overrides: ModelOverrides): ModelChoice;
  rateLimiter: RateLimiter;
  maxSteps: number;
  onToolTiming?: ToolTimingHook;
}

function jsonError(status: number, error: string, extra: object = {}, headers: HeadersInit = {}): Response {
  return Response.json({ error, ...extra }, { status, headers });
}

export async function handleChat(request: Request, deps: ChatDeps): Promise<Response> {
  // 0. From this app's own pages, as JSON: the tools change state, so a foreign page must not drive them.
  const refused =
    refuseForeignOrigin(request, deps.contextDeps.trustedOrigins) ??
    refuseMediaType(request, ['application/json']);
  if (refused) return refused;

  // 1. The body, before anything else.
  let raw: string;
  try {
    raw = await readLimitedText(request, CHAT_LIMITS.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return jsonError(413, `The request body is larger than ${CHAT_LIMITS.maxBodyBytes} bytes`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return jsonError(400, 'The request body is not JSON');
  }
  // Before any recursive validation: too deep a body would overflow the stack; text the database cannot store
  // (the conversation is saved as jsonb) would fail the save. Either is the client's mistake: 400 naming where.
  const unstorable = findUnstorable(json, CHAT_LIMITS.maxDepth);
  if (unstorable) {
    const path = unstorable.path.map(String);
    return jsonError(400, `Invalid chat request: ${path.join('.')}: ${unstorable.message}`, {
      issues: [{ path, message: unstorable.message }],
    });
  }
  const parsed = chatRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String),
      message: issue.message,
    }));
    const first = issues[0];
    return jsonError(400, `Invalid chat request: ${first?.path.join('.')}: ${first?.message}`, { issues });
  }
  const body = parsed.data;

  // 2. Who is asking.
  const { runtime, user } = await createRequestContext(request, deps.contextDeps);
  if (!user) return jsonError(401, 'No valid session: open the app in a browser first');

  // 3. How often.
  const limit = await deps.rateLimiter.take(user.id);
  if (!limit.allowed) {
    return jsonError(
      429,
      `Too many copilot requests: try again in ${limit.retryAfterSeconds} s`,
      { retryAfterSeconds: limit.retryAfterSeconds },
      { 'retry-after': String(limit.retryAfterSeconds) },
    );
  }

  // 4. Which model (the user's own settings may pick another model id or key).
  const [settings] = await runtime.db
    .select({ model: providerSettings.model, apiKey: providerSettings.apiKey })
    .from(providerSettings)
    .where(eq(providerSettings.userId, user.id));
  const choice = deps.chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
  if (!choice.ok) return jsonError(503, choice.error);

  // 5. Which tools, for this page, these properties and this user.
  const context: ToolContext = { url: new URL(body.url), properties: body.properties, user: { id: user.id } };
  // Filled below with this request's claimed approvals, before any tool can run.
  const grants = new Map<string, ToolApprovalGrant>();
  const tools = buildChatTools(runtime, context, request.signal, deps.onToolTiming, grants);
  const validated = await safeValidateUIMessages<UIMessage>({
    messages: settleUnofferedToolCalls(body.messages as UIMessage[], tools),
    tools,
  });
  if (!validated.success) return jsonError(400, `Invalid chat messages: ${validated.error.message}`);
  const messages = validated.data;
  // Each approval answer counts once: a replayed (or concurrent duplicate) answer runs nothing.
  const approvals = await claimAnsweredApprovals(runtime.db, user.id, messages, grants);
  if (approvals.refused.length > 0) {
    return jsonError(
      409,
      `This approval of ${approvals.refused.join(', ')} was already answered (or has expired), so nothing ran again: ask the copilot again`,
    );
  }
  await saveConversation(runtime.db, user.id, messages);

  // 6. The model's answer, streamed; tools run through the one executor as the model calls them.
  const result = streamText({
    model: choice.model,
    system: copilotSystemPrompt(context, Object.keys(tools)),
    messages: await convertToModelMessages(messages, { tools }),
    tools,
    stopWhen: isStepCount(deps.maxSteps),
    abortSignal: request.signal,
    onError: ({ error }) => console.error('Copilot: the model stream failed', error),
    // Approvals come back from the client: signed when issued, so a forged approval is refused.
    experimental_toolApprovalSecret: createHmac('sha256', deps.contextDeps.sessionSecret)
      .update('copilot tool approval')
      .digest(),
  });
  const stream = toUIMessageStream({
    stream: endWithErrorPart(recordApprovalRequests(result.stream, runtime.db, user.id)),
    tools,
    originalMessages: messages,
    // Server-made ids, so the saved conversation and the browser's copy agree.
    generateMessageId: generateId,
    onError: describeStreamError,
    // Tool errors are already written for people and models (describeToolError); keep them.
    redactToolErrors: false,
    onEnd: async ({ messages: finished }) => {
      await saveConversation(runtime.db, user.id, finished).catch((error: unknown) =>
        console.error('Could not save the copilot conversation', error),
      );
    },
  });
  return createUIMessageStreamResponse({ stream });
}
