import { handleProtectedResourceMetadata } from '@/server/http/mcp-oauth-metadata';

export const dynamic = 'force-dynamic';

export { handleProtectedResourceMetadata as GET, handleProtectedResourceMetadata as HEAD };
