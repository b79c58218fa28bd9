/**
 * The JavaScript CopilotKit's chat UI adds to a page, gzip level 9: esbuild bundles (minified, production, code
 * splitting on, so chunks loaded only by a dynamic import() are not counted) a page with `<CopilotKit>` and
 * `<CopilotChat />` and a baseline React page with nothing on it; what a browser loads on opening each page is the
 * entry chunk and every chunk it imports statically (gzipped together). Added = chat page − baseline (React itself is not counted).
 *
 *   node src/ui-size.ts
 *
 * Prints one JSON line: { baselineKb, chatKb, addedKb, lazyKb, chatFiles }.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

interface PageSize {
  /** gzip bytes of the entry chunk and its static imports. */
  eager: number;
  /** gzip bytes of the chunks only dynamic imports reach. */
  lazy: number;
  files: number;
}

async function measure(entry: string): Promise<PageSize> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-copilotkit-ui-'));
  try {
    const result = await esbuild.build({
      entryPoints: [path.join(import.meta.dirname, entry)],
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      outdir,
      metafile: true,
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
      logLevel: 'error',
    });
    const outputs = result.metafile.outputs;
    const gzip = (file: string) => gzipSync(fs.readFileSync(file), { level: 9 }).length;
    const entryOutput = Object.keys(outputs).find(
      (file) => file.endsWith('.js') && outputs[file]?.entryPoint,
    );
    if (!entryOutput) throw new Error(`no entry chunk for ${entry}`);
    const eager = new Set<string>();
    const visit = (file: string) => {
      if (eager.has(file)) return;
      eager.add(file);
      for (const imported of outputs[file]?.imports ?? []) {
        if (imported.kind === 'import-statement' && imported.path.endsWith('.js')) visit(imported.path);
      }
    };
    visit(entryOutput);
    const allJs = Object.keys(outputs).filter((file) => file.endsWith('.js'));
    const sum = (files: string[]) => files.reduce((total, file) => total + gzip(file), 0);
    // The eager chunks gzipped as one file: a bundler that merges them (as Next does) gets about this, and it is
    // never more than gzipping them one by one, so the peer is not charged for esbuild's chunking.
    const together = gzipSync(Buffer.concat([...eager].map((file) => fs.readFileSync(file))), {
      level: 9,
    }).length;
    return {
      eager: together,
      lazy: sum(allJs.filter((file) => !eager.has(file))),
      files: eager.size,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const baseline = await measure('empty-page.tsx');
const chat = await measure('chat-page.tsx');
const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
console.log(
  JSON.stringify({
    baselineKb: kb(baseline.eager),
    chatKb: kb(chat.eager),
    addedKb: kb(chat.eager - baseline.eager),
    lazyKb: kb(chat.lazy),
    chatFiles: chat.files,
  }),
);
