import { handleTrpcRequest } from '@/server/http/trpc';

export { handleTrpcRequest as GET, handleTrpcRequest as POST };
