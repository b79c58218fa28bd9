'use client';
import { isToolUIPart, type UIMessage } from 'ai';
import { ToolCallView } from './tool-call-view';

/** One message: the user's text, or the assistant's text and tool calls in the order they happened. */
export function MessageView({
  message,
  onApproval,
}: {
  message: UIMessage;
  onApproval: (approvalId: string, approved: boolean) => void;
}) {
  return (
    <div
      className={`copilot-message copilot-${message.role}`}
      data-testid="copilot-message"
      data-role={message.role}
    >
      {message.parts.map((part, index) => {
        if (part.type === 'text') {
          return (
            <p key={index} className="copilot-text">
              {part.text}
            </p>
          );
        }
        if (isToolUIPart(part))
          return <ToolCallView key={part.toolCallId} part={part} onApproval={onApproval} />;
        return null; // Step boundaries, reasoning and sources are not shown.
      })}
    </div>
  );
}
