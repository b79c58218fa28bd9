import { handleHealthRequest } from '@/server/http/health';

export const dynamic = 'force-dynamic';
export { handleHealthRequest as GET };
