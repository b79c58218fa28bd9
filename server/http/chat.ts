/** POST /api/chat for this process: the copilot handler over the process's runtime, model choice and limits. */
import 'server-only';
import { chooseModel } from '../ai/model';
import { handleChat } from '../copilot/chat-handler';
import { getEnv } from '../env';
import { getContextDeps } from '../instance';
import { takeModelCall } from '@/framework/server';

export async function handleChatRequest(request: Request): Promise<Response> {
  const env = getEnv();
  const contextDeps = await getContextDeps();
  return handleChat(request, {
    contextDeps,
    chooseModel: (overrides) => chooseModel(overrides, env),
    // The model-call budget every process shares (in the database), the same one drafts and generated todos use.
    rateLimiter: { take: (userId) => takeModelCall(contextDeps.runtime, userId) },
    maxSteps: env.COPILOT_MAX_STEPS,
  });
}
