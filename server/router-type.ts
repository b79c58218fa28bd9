/**
 * The router's type, for clients. Type-only: importing it pulls no server code into a bundle.
 */
export type { AppRouter } from './routers/_app';
