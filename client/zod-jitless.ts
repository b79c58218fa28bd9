/**
 * In the browser, zod 4 probes `new Function` once to decide whether to compile its object parsers. Our
 * Content-Security-Policy forbids eval (server/http/security-headers.ts): the probe fails safely, but the browser
 * still reports a violation. `jitless` skips the probe (zod's documented setting for strict CSPs). Servers keep the
 * compiled parsers. Imported first by client/react.tsx, before any schema is parsed. From `zod/mini`, which shares
 * the setting with full zod: the browser's first load carries no full zod (issue 17).
 */
import { config } from 'zod/mini';

if (typeof window !== 'undefined') config({ jitless: true });
