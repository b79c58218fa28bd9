/** /api/mcp for this process. */
import 'server-only';
import { getContextDeps } from '../instance';
import { handleMcp } from '../mcp/mcp-handler';

export async function handleMcpRequest(request: Request): Promise<Response> {
  return handleMcp(request, await getContextDeps());
}
