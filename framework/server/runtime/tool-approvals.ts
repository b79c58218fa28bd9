/**
 * Approvals of tool calls are single-use (docs/architecture.md rule 11). An approval request is recorded when it is
 * issued; the first answer to it marks it used with one conditional UPDATE (so of two concurrent posts, also on two
 * processes, exactly one wins) and only that answer yields a {@link ToolApprovalGrant}, which `callTool` requires —
 * and spends — before it runs a tool that needs approval. A replayed answer finds the approval used and gets no
 * grant.
 *
 * Retention: a request not answered within {@link APPROVAL_LIFETIME_MS} expires; rows older than that are deleted
 * (each new request prunes them), and an answer whose row is gone is refused like a used one.
 */
import 'server-only';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { toolApprovals } from '../schema';
import type { Queryable } from './synced-table';

/** How long an approval request may wait for the user's answer. */
export const APPROVAL_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** One approval request: ids as the AI SDK issued (and signed) them. */
export interface ApprovalRequest {
  approvalId: string;
  userId: string;
  toolName: string;
  toolCallId: string;
}

/** Proof that the user's approval of this tool call was consumed, once. Only {@link claimApproval} makes one. */
export interface ToolApprovalGrant {
  readonly toolName: string;
  readonly toolCallId: string;
}

/** Grants made here and not yet spent: an object of the same shape made elsewhere is no proof. */
const unspent = new WeakSet<ToolApprovalGrant>();

const cutoff = () => sql`now() - make_interval(secs => ${APPROVAL_LIFETIME_MS / 1000})`;

/** Records an approval request as it is sent to the user (and prunes expired ones). */
export async function recordApprovalRequest(db: Queryable, request: ApprovalRequest): Promise<void> {
  await db.delete(toolApprovals).where(lt(toolApprovals.issuedAt, cutoff()));
  await db.insert(toolApprovals).values(request).onConflictDoNothing();
}

/**
 * Marks the approval used; returns a grant when this call was the first answer to a live request of this user,
 * tool and call, or null (already used, expired, never issued, or someone else's).
 */
export async function claimApproval(
  db: Queryable,
  request: ApprovalRequest,
): Promise<ToolApprovalGrant | null> {
  const [claimed] = await db
    .update(toolApprovals)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(toolApprovals.approvalId, request.approvalId),
        eq(toolApprovals.userId, request.userId),
        eq(toolApprovals.toolName, request.toolName),
        eq(toolApprovals.toolCallId, request.toolCallId),
        isNull(toolApprovals.usedAt),
        gt(toolApprovals.issuedAt, cutoff()),
      ),
    )
    .returning({ approvalId: toolApprovals.approvalId });
  if (!claimed) return null;
  const grant = Object.freeze({ toolName: request.toolName, toolCallId: request.toolCallId });
  unspent.add(grant);
  return grant;
}

/** True, once, for an unspent grant of this tool; the grant is spent by it. */
export function spendGrant(grant: ToolApprovalGrant | undefined, toolName: string): boolean {
  if (!grant || !unspent.has(grant) || grant.toolName !== toolName) return false;
  unspent.delete(grant);
  return true;
}
