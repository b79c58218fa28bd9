/**
 * GET and DELETE /api/chat/<thread id>/stream: the answer being generated on a thread (stream-log.ts). GET replays
 * it from its first chunk and follows it live — the AI SDK chat transport's `reconnectToStream`, which the panel
 * calls when it opens a thread (after a reload, in a second tab) and after a dropped connection — or answers 204
 * when no answer is being generated. DELETE is the panel's Stop: it ends the answer wherever it is generated.
 */
import 'server-only';
import { createUIMessageStreamResponse } from 'ai';
import { createRequestContext, type ContextDeps } from '../context';
import { refuseForeignOrigin } from '../http/request-guards';
import { activeStream, readStream, requestStop } from './stream-log';

const THREAD_ID = /^[a-zA-Z0-9_-]{1,100}$/;

export async function handleAnswerStream(
  request: Request,
  threadId: string,
  deps: ContextDeps,
): Promise<Response> {
  if (request.method !== 'GET') {
    const refused = refuseForeignOrigin(request, deps.trustedOrigins);
    if (refused) return refused;
  }
  if (!THREAD_ID.test(threadId)) {
    return Response.json(
      { error: 'Invalid thread id: must be 1 to 100 letters, digits, _ or -' },
      { status: 400 },
    );
  }
  const { runtime, user } = await createRequestContext(request, deps);
  if (!user)
    return Response.json({ error: 'No valid session: open the app in a browser first' }, { status: 401 });
  if (request.method === 'DELETE') {
    const stopped = await requestStop(runtime.db, user.id, threadId);
    return new Response(null, { status: stopped ? 202 : 204 });
  }
  const id = await activeStream(runtime.db, user.id, threadId);
  if (!id) return new Response(null, { status: 204 });
  return createUIMessageStreamResponse({ stream: readStream(runtime.db, id, request.signal) });
}
