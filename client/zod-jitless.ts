/**
 * In the browser, zod 4 probes `new Function` once to decide whether to compile its object parsers. Our
 * Content-Security-Policy forbids eval (server/http/security-headers.ts): the probe fails safely, but the browser
 * still reports a violation. `jitless` skips the probe (zod's documented setting for strict CSPs). Servers keep the
 * compiled parsers. Imported first by the copilot panel (its AI SDK parses the chat stream with zod), which loads on
 * demand: the page's first load carries no zod (issue 17). The mutators' schemas get the same setting from
 * framework/shared/zod-setup.ts.
 */
import { config } from 'zod/mini';

if (typeof window !== 'undefined') config({ jitless: true });
