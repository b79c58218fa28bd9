import { toNextJsHandler } from 'better-auth/next-js';
import { handleAuthRequest } from '@/server/http/auth';

export const { GET, POST } = toNextJsHandler(handleAuthRequest);
