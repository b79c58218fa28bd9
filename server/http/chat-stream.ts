/** GET / DELETE /api/chat/<thread id>/stream for this process: resume or stop the answer on a thread. */
import 'server-only';
import { handleAnswerStream } from '../copilot/answer-stream-handler';
import { getContextDeps } from '../instance';

export async function handleAnswerStreamRequest(
  request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const { id } = await params;
  return handleAnswerStream(request, id, await getContextDeps());
}
