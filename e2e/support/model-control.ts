/**
 * Scripts the Playwright-started model server (e2e/support/model-server-cli.ts) from a spec: each test registers its
 * own conversation under a unique token and puts that token in what it types, so parallel tests never share answers.
 */
import type { ModelScript, RecordedRequest } from './model-server';

const MODEL_URL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3100) + 99}`;

/** Registers the model's answers for a new conversation; returns the token to include in the first message. */
export async function scriptConversation(steps: ModelScript[]): Promise<string> {
  const token = `[t${crypto.randomUUID().slice(0, 8)}]`;
  const response = await fetch(`${MODEL_URL}/scripts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, steps }),
  });
  if (!response.ok) throw new Error(`could not script the model server: HTTP ${response.status}`);
  return token;
}

/** The requests the model server received for a conversation. */
export async function modelRequests(token: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${MODEL_URL}/requests?token=${encodeURIComponent(token)}`);
  return (await response.json()) as RecordedRequest[];
}

/** The tool names the app offered the model in a request. */
export function offeredTools(request: RecordedRequest | undefined): string[] {
  return (request?.body.tools ?? []).map((tool) => tool.function?.name ?? '').sort();
}
