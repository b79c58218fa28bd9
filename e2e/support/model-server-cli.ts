/**
 * Runs the scripted OpenAI-compatible model server on a fixed port for Playwright's webServer:
 * `tsx e2e/support/model-server-cli.ts <port>`. Every request streams the same short todo, word by word.
 */
import { startModelServer } from './model-server';

const port = Number(process.argv[2] ?? 3199);
const model = await startModelServer(
  { kind: 'text', chunks: ['Water ', 'the ', 'plants ', 'before ', 'the ', 'weekend'], delayMs: 150 },
  port,
);
console.log(`scripted model server at ${model.baseUrl}`);
