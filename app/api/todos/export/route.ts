import { handleTodosExport } from '@/server/http/todos-csv';

export const dynamic = 'force-dynamic';
export { handleTodosExport as GET };
