/** POST /api/chat for this process: the copilot handler over the process's runtime, model choice and limits. */
import 'server-only';
import { chooseModel } from '../ai/model';
import { handleChat } from '../copilot/chat-handler';
import { createRateLimiter, type RateLimiter } from '../copilot/rate-limit';
import { getEnv } from '../env';
import { getContextDeps } from '../instance';

let rateLimiter: RateLimiter | undefined;

export async function handleChatRequest(request: Request): Promise<Response> {
  const env = getEnv();
  rateLimiter ??= createRateLimiter(env.COPILOT_RATE_LIMIT, 60_000);
  return handleChat(request, {
    contextDeps: await getContextDeps(),
    chooseModel: (overrides) => chooseModel(overrides, env),
    rateLimiter,
    maxSteps: env.COPILOT_MAX_STEPS,
  });
}
