/**
 * English error messages for `zod/mini` schemas. The mutators' input schemas use `zod/mini` (tree-shakable: the
 * browser loads only the checks they use, issue 17), and unlike full `zod` it sets no locale by itself: without
 * this, every message it makes would be "Invalid input". Full `zod` sets the same English locale when it builds its
 * first schema, so a message reads the same in the browser's optimistic run and in the server's validation.
 * Imported for its effect by define-mutator.ts, which every mutator module loads before it builds a schema.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
