import { handleChatRequest } from '@/server/http/chat';

// Streams for as long as the model and its tools take.
export const dynamic = 'force-dynamic';

export { handleChatRequest as POST };
