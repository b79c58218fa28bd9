/**
 * zod's settings for the mutators' schemas, applied before any of them is built or parsed (define-mutator.ts
 * imports this for its effect, and every mutator module loads define-mutator.ts first).
 *
 * - English messages. The mutators' schemas use `zod/mini` (tree-shakable, and loaded by the browser after the first
 *   paint: issue 17), which unlike full `zod` sets no locale by itself: every message would be "Invalid input".
 *   Full `zod` sets the same locale when it builds its first schema, so a message reads the same in the browser's
 *   optimistic run and in the server's validation.
 * - In the browser, `jitless`: zod probes `new Function` once to decide whether to compile object parsers, and a
 *   Content-Security-Policy without eval (this app's, server/http/security-headers.ts) reports the probe as a
 *   violation. Skipping the probe is zod's documented setting for strict CSPs; servers keep the compiled parsers.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
if (typeof window !== 'undefined') config({ jitless: true });
