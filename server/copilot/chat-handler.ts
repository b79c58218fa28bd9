/**
 * POST /api/chat: one copilot turn. In order — refuse other sites and other content types, parse and limit the
 * body, authenticate the session, rate-limit the user, pick the model, load the thread and apply the panel's newest
 * message, offer the tools allowed for {page URL, properties, user} (and the page's browser-run tools), then stream
 * the model's answer (text, tool calls, approvals, results, notices) back as the AI SDK UI message stream, and save
 * the thread.
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
  type ToolSet,
  type UIMessage,
} from 'ai';
import { eq } from 'drizzle-orm';
import { providerSettings } from '@/db/schema';
import type { ToolContext } from '@/framework/shared';
import type { ModelChoice, ModelOverrides } from '../ai/model';
import { createRequestContext, type ContextDeps } from '../context';
import { refuseForeignOrigin, refuseMediaType } from '../http/request-guards';
import {
  buildChatTools,
  BodyTooLargeError,
  CHAT_LIMITS,
  chatRequestSchema,
  claimAnsweredApprovals,
  createRepeatGuard,
  describeStreamError,
  describeToolCalls,
  endWithErrorPart,
  findUnstorable,
  isRegisteredTool,
  readLimitedText,
  recordApprovalRequests,
  settleUnofferedToolCalls,
  watchForAnswer,
  type RateLimiter,
  type ToolApprovalGrant,
  type ToolTimingHook,
} from '@/framework/server';
import type { CopilotMessageMetadata } from '@/client/copilot/message-metadata';
import { buildClientTools } from './client-tools';
import { noticeMetadata, sendSettledFirst, trackTurn } from './turn-progress';
import { loadThread, saveThread } from './threads';
import { applyIncomingMessage } from './thread-turn';
import { readStream, startStream } from './stream-log';
import { trimHistory } from './trim-history';
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

  // 4. Which model (the user's own settings may pick another model id or key, and add instructions).
  const [settings] = await runtime.db
    .select({
      model: providerSettings.model,
      apiKey: providerSettings.apiKey,
      systemPrompt: providerSettings.systemPrompt,
    })
    .from(providerSettings)
    .where(eq(providerSettings.userId, user.id));
  const choice = deps.chooseModel({ model: settings?.model, apiKey: settings?.apiKey });
  if (!choice.ok) return jsonError(503, choice.error);

  // 5. The thread, with the panel's newest message applied (only the server's copy of the rest counts).
  const stored = (await loadThread(runtime.db, user.id, body.id))?.messages ?? [];
  const incoming = body.messages.at(-1) as UIMessage;
  const turn = applyIncomingMessage(stored, incoming, (name) => isRegisteredTool(runtime, name));
  if (!turn.ok && turn.status === 400) {
    const path = ['messages', String(body.messages.length - 1), 'parts'];
    return jsonError(400, `Invalid chat request: ${path.join('.')}: ${turn.problem}`, {
      issues: [{ path, message: turn.problem }],
    });
  }
  if (!turn.ok) return jsonError(turn.status, turn.error);

  // 6. Which tools, for this page, these properties and this user; and the page's own browser-run tools.
  const context: ToolContext = { url: new URL(body.url), properties: body.properties, user: { id: user.id } };
  // Filled below with this request's claimed approvals, before any tool can run.
  const grants = new Map<string, ToolApprovalGrant>();
  const repeatGuard = createRepeatGuard();
  // Aborted when the answer is stopped (below: the answer starts once the request has passed every check).
  const toolAbort = new AbortController();
  const serverTools = buildChatTools(runtime, context, toolAbort.signal, {
    onToolTiming: deps.onToolTiming,
    approvals: grants,
    repeatGuard,
  });
  const browser = buildClientTools(body.clientTools, (name) => isRegisteredTool(runtime, name));
  if ('collision' in browser) {
    return jsonError(
      400,
      `Invalid chat request: clientTools: ${browser.collision} is the name of a server tool`,
    );
  }
  const tools: ToolSet = { ...serverTools, ...browser.tools };
  const { messages, settled } = settleUnofferedToolCalls(turn.messages, tools);
  // The rest of the thread was checked when it came in; the message this request changed is checked now.
  const last = messages.at(-1);
  const validated = await safeValidateUIMessages<UIMessage>({ messages: last ? [last] : [], tools });
  if (!validated.success) return jsonError(400, `Invalid chat messages: ${validated.error.message}`);
  // Each approval answer counts once: a replayed (or concurrent duplicate) answer runs nothing.
  const approvals = await claimAnsweredApprovals(runtime.db, user.id, messages, grants);
  if (approvals.refused.length > 0) {
    return jsonError(
      409,
      `This approval of ${approvals.refused.join(', ')} was already answered (or has expired), so nothing ran again: ask the copilot again`,
    );
  }
  await saveThread(runtime.db, user.id, body.id, messages);
  // The answer is generated once, whoever listens (stream-log.ts): a reload or a second tab reads the same one,
  // and only Stop (not a closed connection) ends it early.
  const answer = await startStream(runtime.db, user.id, body.id);

  // 7. The model's answer, streamed; tools run through the one executor as the model calls them. A long thread
  // is trimmed for the model (with a summary of what was cut), never refused.
  const history = trimHistory(messages);
  const progress = trackTurn(browser.tools);
  const result = streamText({
    model: choice.model,
    system: copilotSystemPrompt({
      context,
      toolNames: Object.keys(tools),
      userPrompt: settings?.systemPrompt,
      historySummary: history.summary,
    }),
    messages: await convertToModelMessages(history.messages, { tools }),
    tools,
    stopWhen: [isStepCount(deps.maxSteps), () => repeatGuard.stopped !== null],
    abortSignal: answer.signal,
    onError: ({ error }) => console.error('Copilot: the model stream failed', error),
    // Approvals come back from the client: signed when issued, so a forged approval is refused.
    experimental_toolApprovalSecret: createHmac('sha256', deps.contextDeps.sessionSecret)
      .update('copilot tool approval')
      .digest(),
  });
  // Errors become parts first: a stream that errors would drop the parts still queued in the transforms after it.
  const watched = watchForAnswer(endWithErrorPart(result.stream));
  const described = describeToolCalls(
    runtime,
    progress.observe(recordApprovalRequests(watched.stream, runtime.db, user.id)),
    runtime.db,
    user.id,
  );
  const stream = toUIMessageStream({
    stream: described.stream,
    tools,
    originalMessages: messages,
    // Server-made ids, so the saved thread and the browser's copy agree.
    generateMessageId: generateId,
    onError: (error) => describeStreamError(error, watched.answered()),
    // Tool errors are already written for people and models (describeToolError); keep them.
    redactToolErrors: false,
    messageMetadata: ({ part }): CopilotMessageMetadata | undefined =>
      part.type === 'finish'
        ? noticeMetadata(progress, repeatGuard.stopped, deps.maxSteps)
        : described.metadataFor(part),
    onEnd: async ({ messages: finished }) => {
      await saveThread(runtime.db, user.id, body.id, finished).catch((error: unknown) =>
        console.error('Could not save the copilot thread', error),
      );
    },
  });
  answer.signal.addEventListener('abort', () => toolAbort.abort(answer.signal.reason));
  answer
    .pump(sendSettledFirst(stream, settled))
    .catch((error: unknown) => console.error('Copilot: the answer stopped', error));
  return createUIMessageStreamResponse({ stream: readStream(runtime.db, answer.id, request.signal) });
}
