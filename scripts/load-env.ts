/**
 * Loads .env files for scripts the same way `next dev` / `next start` do, so a script sees the app's settings.
 * Import it first in any script.
 */
import nextEnv from '@next/env';

nextEnv.loadEnvConfig(process.cwd(), process.env.NODE_ENV !== 'production');
