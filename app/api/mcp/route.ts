import { handleMcpRequest } from '@/server/http/mcp';

export const dynamic = 'force-dynamic';

export { handleMcpRequest as DELETE, handleMcpRequest as GET, handleMcpRequest as POST };
