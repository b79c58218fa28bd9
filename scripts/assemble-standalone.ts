/**
 * Runs after `next build` (`npm run build`): completes Next's standalone output into a folder that runs on its own
 * with `node .next/standalone/server.js`. Next leaves the static files out on purpose (a CDN may serve them); this
 * copies them in, as Next's documentation for `output: 'standalone'` asks. The Dockerfile ships this folder and
 * the e2e tests start this server, so what ships is what is tested.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = process.cwd();
const standalone = path.join(root, '.next', 'standalone');

function copyInto(from: string, to: string): void {
  if (!fs.existsSync(from)) return;
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

if (!fs.existsSync(path.join(standalone, 'server.js'))) {
  console.error("No .next/standalone/server.js: run `next build` with output: 'standalone' first.");
  process.exit(1);
}
copyInto(path.join(root, '.next', 'static'), path.join(standalone, '.next', 'static'));
copyInto(path.join(root, 'public'), path.join(standalone, 'public'));
// Traced by outputFileTracingIncludes already; copied again so a change to the trace cannot drop them silently.
copyInto(path.join(root, 'db', 'migrations'), path.join(standalone, 'db', 'migrations'));
console.log('Standalone server assembled: node .next/standalone/server.js');
