import { TRPCError } from '@trpc/server';
import { SCOPE_DESCRIPTIONS } from '../auth/mcp-oauth';
import { z } from 'zod';
import { describeMcpClient, listMcpClients, revokeMcpClient } from '../auth/mcp-oauth-tokens';
import {
  isStorableText,
  router,
  sessionProcedure,
  UNSTORABLE_TEXT_MESSAGE,
  userProcedure,
} from '@/framework/server';

/** An OAuth client id: text Postgres can compare (no NUL), of a sane length. */
const clientIdInput = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'is too long')
  .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

/** The asked scopes with what each means (an unknown scope is shown as such: the server refuses it anyway). */
function describeScopes(scope: string): { scope: string; description: string }[] {
  return [...new Set(scope.split(' ').filter(Boolean))].map((name) => ({
    scope: name,
    description: SCOPE_DESCRIPTIONS[name] ?? 'Unknown scope (this app does not grant it)',
  }));
}

/**
 * MCP clients the signed-in user connected by OAuth (the settings page): list them, disconnect one. A browser session
 * only: a token (API or OAuth) cannot see or revoke grants.
 */
export const mcpClientsRouter = router({
  /**
   * What the consent page shows: the client's registered name and link (null for an unknown client), what each asked
   * scope means, and whether the viewer is a guest (who must sign in first). Any session, guests included.
   */
  consentInfo: userProcedure
    .input(
      z.object({
        clientId: clientIdInput,
        scope: z.string().max(1000, 'is too long').default(''),
      }),
    )
    .query(async ({ ctx, input }) => ({
      client: await describeMcpClient(ctx.db, input.clientId),
      scopes: describeScopes(input.scope),
      guest: ctx.user.kind === 'anonymous',
    })),
  list: sessionProcedure.query(({ ctx }) => listMcpClients(ctx.db, ctx.user.id)),
  /** Revokes the client's grant: its tokens stop working at once, its consent is forgotten. */
  revoke: sessionProcedure.input(z.object({ clientId: clientIdInput })).mutation(async ({ ctx, input }) => {
    if (!(await revokeMcpClient(ctx.db, ctx.user.id, input.clientId))) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'No such connected MCP client' });
    }
  }),
});
