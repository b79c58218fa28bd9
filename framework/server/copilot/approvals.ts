/**
 * The chat side of single-use approvals (framework/server/runtime/tool-approvals.ts): each approval request the model's
 * stream carries is recorded before it reaches the browser, and each answer the browser sends back is claimed
 * before streamText may run the tool. A replayed or concurrent second answer claims nothing, so nothing runs.
 */
import 'server-only';
import { getStaticToolName, isStaticToolUIPart, type UIMessage } from 'ai';
import type { Db } from '../db/open';
import { claimApproval, recordApprovalRequest, type ToolApprovalGrant } from '../runtime/tool-approvals';

interface ApprovalRequestPart {
  type: 'tool-approval-request';
  approvalId: string;
  toolCall: { toolName: string; toolCallId: string };
}

function isApprovalRequest(part: { type: string }): part is ApprovalRequestPart {
  return part.type === 'tool-approval-request';
}

/** Passes the stream through, holding each approval request back until it is recorded. */
export function recordApprovalRequests<TPart extends { type: string }>(
  stream: ReadableStream<TPart>,
  db: Db,
  userId: string,
): ReadableStream<TPart> {
  return stream.pipeThrough(
    new TransformStream<TPart, TPart>({
      async transform(part, controller) {
        if (isApprovalRequest(part)) {
          const { approvalId, toolCall } = part;
          await recordApprovalRequest(db, {
            approvalId,
            userId,
            toolName: toolCall.toolName,
            toolCallId: toolCall.toolCallId,
          });
        }
        controller.enqueue(part);
      },
    }),
  );
}

export interface ClaimedApprovals {
  /** Tools whose answer was refused: already answered (a replay), expired, or never issued to this user. */
  refused: string[];
}

/**
 * Claims every answered approval of the last message (the only answers the AI SDK acts on) and puts a grant for
 * each approved call into `grants`, by tool call id. A denial is claimed too, so that it cannot be turned into an
 * approval later.
 */
export async function claimAnsweredApprovals(
  db: Db,
  userId: string,
  messages: UIMessage[],
  grants: Map<string, ToolApprovalGrant>,
): Promise<ClaimedApprovals> {
  const claimed: ClaimedApprovals = { refused: [] };
  const last = messages.at(-1);
  if (last?.role !== 'assistant') return claimed;
  for (const part of last.parts) {
    if (!isStaticToolUIPart(part) || part.state !== 'approval-responded') continue;
    const toolName = String(getStaticToolName(part));
    const grant = await claimApproval(db, {
      approvalId: part.approval.id,
      userId,
      toolName,
      toolCallId: part.toolCallId,
    });
    if (!grant) claimed.refused.push(toolName);
    else if (part.approval.approved) grants.set(part.toolCallId, grant);
  }
  return claimed;
}
