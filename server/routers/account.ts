/**
 * What the sign-in page and the account menu need from the server besides Better Auth's own routes: which sign-in
 * methods are turned on (a button only for a configured provider).
 */
import { router, userProcedure } from '@/framework/server';
import { getEnv } from '../env';

export const accountRouter = router({
  /** The social providers configured in env (GITHUB_* / GOOGLE_*); email + password is always on. */
  methods: userProcedure.query(() => {
    const env = getEnv();
    return {
      github: Boolean(env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET),
      google: Boolean(env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET),
    };
  }),
});
