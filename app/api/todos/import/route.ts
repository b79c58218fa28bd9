import { handleTodosImport } from '@/server/http/todos-csv';

export { handleTodosImport as POST };
