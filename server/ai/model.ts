/**
 * The one place that picks the language model: provider and model from the environment (OpenAI, Anthropic, or any
 * OpenAI-compatible server such as Ollama, LM Studio or vLLM), optionally overridden per user by the server-only
 * provider settings (their own model id or API key). No fake model: unconfigured means a clear error.
 */
import 'server-only';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { getEnv, type Env } from '../env';

export const NOT_CONFIGURED_MESSAGE =
  'No AI model is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_COMPATIBLE_BASE_URL on the server (see .env.example).';

const DEFAULT_MODELS = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
  'openai-compatible': 'llama3.2',
} as const;

type Provider = keyof typeof DEFAULT_MODELS;

/** Per-user overrides from the server-only provider_settings table. */
export interface ModelOverrides {
  model?: string | null;
  apiKey?: string | null;
}

export type ModelChoice =
  { ok: true; model: LanguageModel; provider: Provider; modelId: string } | { ok: false; error: string };

function chooseProvider(env: Env): Provider | null {
  if (env.AI_PROVIDER) return env.AI_PROVIDER;
  if (env.OPENAI_COMPATIBLE_BASE_URL) return 'openai-compatible';
  if (env.OPENAI_API_KEY) return 'openai';
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  return null;
}

export function chooseModel(overrides: ModelOverrides = {}, env: Env = getEnv()): ModelChoice {
  const provider = chooseProvider(env);
  if (!provider) return { ok: false, error: NOT_CONFIGURED_MESSAGE };
  const modelId = overrides.model ?? env.AI_MODEL ?? DEFAULT_MODELS[provider];
  switch (provider) {
    case 'openai-compatible': {
      if (!env.OPENAI_COMPATIBLE_BASE_URL) {
        return {
          ok: false,
          error: 'AI_PROVIDER is openai-compatible but OPENAI_COMPATIBLE_BASE_URL is not set.',
        };
      }
      const compatible = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: env.OPENAI_COMPATIBLE_BASE_URL,
        apiKey: overrides.apiKey ?? env.OPENAI_COMPATIBLE_API_KEY,
        includeUsage: true,
      });
      return { ok: true, provider, modelId, model: compatible(modelId) };
    }
    case 'openai': {
      const apiKey = overrides.apiKey ?? env.OPENAI_API_KEY;
      if (!apiKey) return { ok: false, error: 'AI_PROVIDER is openai but OPENAI_API_KEY is not set.' };
      return { ok: true, provider, modelId, model: createOpenAI({ apiKey })(modelId) };
    }
    case 'anthropic': {
      const apiKey = overrides.apiKey ?? env.ANTHROPIC_API_KEY;
      if (!apiKey) return { ok: false, error: 'AI_PROVIDER is anthropic but ANTHROPIC_API_KEY is not set.' };
      return { ok: true, provider, modelId, model: createAnthropic({ apiKey })(modelId) };
    }
  }
}
