/**
 * What the server attaches to a copilot reply besides its parts (the AI SDK's message metadata), read by the panel
 * and saved with the thread.
 */

/** Why the server ended a turn early; the panel shows it, with "Continue" for the step limit. */
export interface CopilotNotice {
  kind: 'step-limit' | 'repeated-call';
  text: string;
}

export interface CopilotMessageMetadata {
  /** How each tool call reads to the user, by tool call id (ToolExposure.describe, resolved on the server). */
  descriptions?: Record<string, string>;
  notice?: CopilotNotice;
}

/** The metadata of a message as stored or streamed (unknown until checked: it crossed the network). */
export function readMetadata(metadata: unknown): CopilotMessageMetadata {
  return typeof metadata === 'object' && metadata !== null ? (metadata as CopilotMessageMetadata) : {};
}
