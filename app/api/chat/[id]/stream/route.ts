import { handleAnswerStreamRequest } from '@/server/http/chat-stream';

// Follows an answer for as long as it is generated.
export const dynamic = 'force-dynamic';

export { handleAnswerStreamRequest as GET, handleAnswerStreamRequest as DELETE };
