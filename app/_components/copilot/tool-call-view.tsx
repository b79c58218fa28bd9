'use client';
import { getToolName, type DynamicToolUIPart, type ToolUIPart } from 'ai';

const STATE_LABELS: Record<ToolUIPart['state'], string> = {
  'input-streaming': 'preparing',
  'input-available': 'running',
  'approval-requested': 'needs your approval',
  'approval-responded': 'answered',
  'output-available': 'done',
  'output-error': 'error',
  'output-denied': 'denied',
};

function json(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 1);
}

/** One tool call: its name, arguments, state, and result or error; Approve / Deny while it waits for the user. */
export function ToolCallView({
  part,
  onApproval,
}: {
  part: ToolUIPart | DynamicToolUIPart;
  onApproval: (approvalId: string, approved: boolean) => void;
}) {
  const name = getToolName(part);
  const approval = 'approval' in part ? part.approval : undefined;
  let label = STATE_LABELS[part.state];
  if (part.state === 'approval-responded') label = approval?.approved ? 'approved, running' : 'denied';
  return (
    <div
      className={`copilot-tool copilot-tool-${part.state}`}
      data-testid="copilot-tool"
      data-tool={name}
      data-state={part.state}
    >
      <div className="copilot-tool-head">
        <code>{name}</code>
        <span className="copilot-tool-state">{label}</span>
      </div>
      {part.input !== undefined && <pre className="copilot-tool-args">{json(part.input)}</pre>}
      {part.state === 'approval-requested' && approval && (
        <div className="copilot-approval">
          <button type="button" data-testid="copilot-approve" onClick={() => onApproval(approval.id, true)}>
            Approve
          </button>
          <button
            type="button"
            className="link-button"
            data-testid="copilot-deny"
            onClick={() => onApproval(approval.id, false)}
          >
            Deny
          </button>
        </div>
      )}
      {part.state === 'output-available' && (
        <details className="copilot-tool-result">
          <summary>Result</summary>
          <pre>{json(part.output)}</pre>
        </details>
      )}
      {part.state === 'output-error' && (
        <p className="copilot-error" data-testid="copilot-tool-error">
          {part.errorText}
        </p>
      )}
    </div>
  );
}
