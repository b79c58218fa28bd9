/**
 * The chat endpoint's request body, checked before anything else runs: the AI SDK chat transport's fields (the
 * conversation as UI messages) plus the page URL and the page's properties. Limits keep one request from costing
 * the server (or the model bill) more than a chat turn should.
 */
import 'server-only';
import { z } from 'zod';

export const CHAT_LIMITS = {
  /** Whole body, checked while reading: a larger body is refused before it is parsed. */
  maxBodyBytes: 512 * 1024,
  maxMessages: 100,
  /** Characters in one text part (what the user typed, or the assistant wrote). */
  maxTextChars: 8_000,
  maxPartsPerMessage: 100,
  maxUrlChars: 2_048,
  maxProperties: 20,
  /** JSON length of the properties object as a whole. */
  maxPropertiesChars: 4_000,
  /** Nesting of the whole body (messages with tool inputs and outputs are far shallower). */
  maxDepth: 64,
  /** Browser-run tools one page may declare (client-tools.ts). */
  maxClientTools: 12,
  maxClientToolChars: 4_000,
} as const;

/**
 * Only the shape that matters here; the AI SDK's validateUIMessages checks every part in depth afterwards. A
 * `system` role is refused: the system prompt is the server's, never the client's.
 */
const uiMessage = z.object({
  id: z.string().min(1).max(200),
  role: z.enum(['user', 'assistant']),
  parts: z
    .array(
      z.looseObject({
        type: z.string().max(100),
        // Text and reasoning parts carry `text`; what the user typed is limited here, the rest is checked by
        // the AI SDK afterwards.
        text: z
          .string()
          .max(CHAT_LIMITS.maxTextChars, `must be at most ${CHAT_LIMITS.maxTextChars} characters`)
          .optional(),
      }),
    )
    .max(CHAT_LIMITS.maxPartsPerMessage),
  metadata: z.unknown().optional(),
});

const properties = z
  .record(z.string().max(100), z.json())
  .refine((value) => Object.keys(value).length <= CHAT_LIMITS.maxProperties, {
    message: `at most ${CHAT_LIMITS.maxProperties} properties`,
  })
  .refine((value) => JSON.stringify(value).length <= CHAT_LIMITS.maxPropertiesChars, {
    message: `must be at most ${CHAT_LIMITS.maxPropertiesChars} characters as JSON`,
  });

/** A browser-run tool the page declares (client/copilot/browser-tools.ts): name, description, JSON schema. */
const clientTool = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/,
        'must be letters, digits, _ or - (at most 64), starting with a letter',
      ),
    description: z.string().min(1).max(1_000),
    parameters: z.looseObject({ type: z.literal('object') }),
  })
  .refine((value) => JSON.stringify(value).length <= CHAT_LIMITS.maxClientToolChars, {
    message: `must be at most ${CHAT_LIMITS.maxClientToolChars} characters as JSON`,
  });

export const chatRequestSchema = z.object({
  /**
   * The thread (copilot/threads.ts): the chat id the transport sends, made by the panel. A new id starts a thread;
   * ids are per user, so another user's thread cannot be named.
   */
  id: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,100}$/, 'must be 1 to 100 letters, digits, _ or -')
    .default('default'),
  /**
   * The panel sends only its newest message (the server has the rest of the thread): a user message, or the last
   * reply with the user's answers (approvals, browser tool results). Only the last one counts, so a client that
   * sends more (the AI SDK's default) works too.
   */
  messages: z
    .array(uiMessage)
    .min(1, 'must hold at least one message')
    .max(CHAT_LIMITS.maxMessages, `must hold at most ${CHAT_LIMITS.maxMessages} messages`),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().max(200).optional(),
  /** The page the user is on, as `location.href`; only its path decides which tools are offered. */
  url: z.url().max(CHAT_LIMITS.maxUrlChars),
  properties: properties.default({}),
  clientTools: z.array(clientTool).max(CHAT_LIMITS.maxClientTools).default([]),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Thrown when the body is larger than {@link CHAT_LIMITS.maxBodyBytes}. */
export class BodyTooLargeError extends Error {}

/** Reads the body as text, stopping as soon as it passes the limit (Content-Length can lie or be absent). */
export async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new BodyTooLargeError();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
