'use client';
import { isToolUIPart, type UIMessage } from 'ai';
import { readMetadata } from '@/client/copilot/message-metadata';
import { ToolCallView } from './tool-call-view';

/** One message: the user's text, or the assistant's text and tool calls in the order they happened, and a notice. */
export function MessageView({
  message,
  onApproval,
}: {
  message: UIMessage;
  onApproval: (approvalId: string, approved: boolean) => void;
}) {
  const metadata = readMetadata(message.metadata);
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
        if (isToolUIPart(part)) {
          return (
            <ToolCallView
              key={part.toolCallId}
              part={part}
              description={metadata.descriptions?.[part.toolCallId]}
              onApproval={onApproval}
            />
          );
        }
        return null; // Step boundaries, reasoning and sources are not shown.
      })}
      {metadata.notice && (
        <p
          className="copilot-notice"
          role="status"
          data-testid="copilot-notice"
          data-kind={metadata.notice.kind}
        >
          {metadata.notice.text}
        </p>
      )}
    </div>
  );
}
