import { handleAuthServerMetadata } from '@/server/http/mcp-oauth-metadata';

export const dynamic = 'force-dynamic';

export { handleAuthServerMetadata as GET, handleAuthServerMetadata as HEAD };
