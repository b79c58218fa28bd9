/**
 * How a turn ended, for the panel: a turn that the step limit or the repeat guard cut off ends with a notice in the
 * reply's metadata (the panel shows it, with "Continue" after the step limit), never silently. And the calls the
 * server settled before the model ran (unoffered-tool-calls.ts) reach the panel first, so an approval answered on
 * another page shows "did not run" at once.
 */
import 'server-only';
import type { ToolSet, UIMessageChunk } from 'ai';
import type { CopilotMessageMetadata } from '@/client/copilot/message-metadata';
import type { SettledCall } from '@/framework/server';

export interface TurnProgress {
  /** Passes the model's stream through, counting steps and noting what the last step waits for. */
  observe<TPart extends { type: string }>(stream: ReadableStream<TPart>): ReadableStream<TPart>;
  readonly steps: number;
  readonly finishReason: string | undefined;
  /** The last step ended waiting for the user (an approval) or the tab (a browser-run tool): not cut off. */
  readonly waitsForClient: boolean;
}

export function trackTurn(browserTools: ToolSet): TurnProgress {
  let steps = 0;
  let finishReason: string | undefined;
  let waitsForClient = false;
  return {
    observe: (stream) =>
      stream.pipeThrough(
        new TransformStream({
          transform(part, controller) {
            const typed = part as { type: string; toolName?: string; finishReason?: string };
            if (typed.type === 'start-step') waitsForClient = false;
            if (typed.type === 'tool-approval-request') waitsForClient = true;
            if (typed.type === 'tool-call' && typed.toolName && Object.hasOwn(browserTools, typed.toolName)) {
              waitsForClient = true;
            }
            if (typed.type === 'finish-step') steps++;
            if (typed.type === 'finish') finishReason = typed.finishReason;
            controller.enqueue(part);
          },
        }),
      ),
    get steps() {
      return steps;
    },
    get finishReason() {
      return finishReason;
    },
    get waitsForClient() {
      return waitsForClient;
    },
  };
}

/** The notice for a turn that was cut off, as message metadata; undefined for a turn that ended by itself. */
export function noticeMetadata(
  progress: TurnProgress,
  repeatedCall: string | null,
  maxSteps: number,
): CopilotMessageMetadata | undefined {
  if (repeatedCall) {
    return {
      notice: {
        kind: 'repeated-call',
        text: `Stopped: ${repeatedCall}. Tell the copilot what to do differently.`,
      },
    };
  }
  if (progress.finishReason === 'tool-calls' && progress.steps >= maxSteps && !progress.waitsForClient) {
    return {
      notice: {
        kind: 'step-limit',
        text: `Stopped after ${maxSteps} steps (the step limit for one turn) before the copilot finished.`,
      },
    };
  }
  return undefined;
}

/** The UI stream with each settled call's error sent right after the reply starts. */
export function sendSettledFirst(
  stream: ReadableStream<UIMessageChunk>,
  settled: SettledCall[],
): ReadableStream<UIMessageChunk> {
  if (settled.length === 0) return stream;
  let sent = false;
  return stream.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        if (chunk.type === 'start' && !sent) {
          sent = true;
          for (const call of settled) {
            controller.enqueue({
              type: 'tool-output-error',
              toolCallId: call.toolCallId,
              errorText: call.errorText,
            });
          }
        }
      },
    }),
  );
}
