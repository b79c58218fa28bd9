/**
 * `npm run bench:first-load`: the JavaScript a browser downloads to first render `/`, gzip-compressed, per file and
 * in total. Starts the production build (`npm run build` first) on a throwaway PGlite folder and stops it after.
 * Pass a URL to measure a server that is already running instead: `npm run bench:first-load -- http://host:port`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const TARGET_KB = 250;

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

async function startServer(): Promise<{ url: string; stop(): void }> {
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('No production build: run `npm run build` first.');
  const port = 3900 + Math.floor(Math.random() * 90);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-first-load-'));
  const server = spawn('npx', ['next', 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
    env: {
      ...process.env,
      PGLITE_DIR: path.join(dataDir, 'db'),
      DATABASE_URL: '',
      SESSION_SECRET: 'bench-session-secret-with-at-least-32-chars',
    },
    stdio: 'ignore',
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, 60_000);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, stop };
}

async function measure(url: string) {
  const html = await (await fetch(`${url}/`)).text();
  const sources = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1] ?? '');
  const files = await Promise.all(
    [...new Set(sources)].map(async (src) => {
      const body = Buffer.from(await (await fetch(new URL(src, url))).arrayBuffer());
      return { src, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
    }),
  );
  const inline = [...html.matchAll(/<script(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  const inlineBytes = Buffer.from(inline.join(''));
  return { files, inline: { raw: inlineBytes.length, gzip: gzipSync(inlineBytes, { level: 9 }).length } };
}

async function main() {
  const given = process.argv[2];
  const server = given ? { url: given, stop() {} } : await startServer();
  try {
    const { files, inline } = await measure(server.url);
    const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(7);
    for (const file of files.sort((a, b) => b.gzip - a.gzip)) {
      console.log(`${kb(file.gzip)} kB gzip  ${kb(file.raw)} kB raw  ${file.src}`);
    }
    const total = files.reduce((sum, file) => sum + file.gzip, 0);
    console.log(`${kb(inline.gzip)} kB gzip  ${kb(inline.raw)} kB raw  (inline scripts: RSC payload)`);
    console.log(
      `first-load JS of / : ${(total / 1024).toFixed(1)} kB gzip in ${files.length} files ` +
        `(+ ${(inline.gzip / 1024).toFixed(1)} kB inline); target ≤ ${TARGET_KB} kB`,
    );
  } finally {
    server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
