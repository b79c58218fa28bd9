'use client';
import { getToolName, type DynamicToolUIPart, type ToolUIPart } from 'ai';
import { ToolResult } from './tool-results';

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

/**
 * One tool call: what it does in words (the tool's `describe`, resolved on the server) or else its name and input,
 * its state, and its result (rendered by the app where it has a renderer, tool-results.tsx) or error; Approve / Deny
 * while it waits for the user.
 */
export function ToolCallView({
  part,
  description,
  onApproval,
}: {
  part: ToolUIPart | DynamicToolUIPart;
  description?: string;
  onApproval: (approvalId: string, approved: boolean) => void;
}) {
  const name = getToolName(part);
  const approval = 'approval' in part ? part.approval : undefined;
  let label = STATE_LABELS[part.state];
  if (part.state === 'approval-responded') label = approval?.approved ? 'approved, running' : 'denied';
  if (part.state === 'output-error' && part.errorText.includes('did not run')) label = 'did not run';
  return (
    <div
      className={`copilot-tool copilot-tool-${part.state}`}
      data-testid="copilot-tool"
      data-tool={name}
      data-state={part.state}
    >
      <div className="copilot-tool-head">
        <code>{name}</code>
        <span className="copilot-tool-state" data-testid="copilot-tool-state">
          {label}
        </span>
      </div>
      {description ? (
        <p className="copilot-tool-description" data-testid="copilot-tool-description">
          {description}
        </p>
      ) : (
        part.input !== undefined && <pre className="copilot-tool-args">{json(part.input)}</pre>
      )}
      {part.state === 'approval-requested' && approval && (
        <div className="copilot-approval" role="group" aria-label={description ?? `Approve ${name}?`}>
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
        <ToolResult name={name} input={part.input} output={part.output} fallback={json(part.output)} />
      )}
      {part.state === 'output-error' && (
        <p className="copilot-error" data-testid="copilot-tool-error">
          {part.errorText}
        </p>
      )}
    </div>
  );
}
