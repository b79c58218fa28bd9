/**
 * `npm run bench:first-load`: the JavaScript a browser downloads to first render `/`, gzip-compressed, per file and
 * in total. Starts the production build (`npm run build` first) on a throwaway PGlite folder and stops it after.
 * Pass a URL to measure a server that is already running instead: `npm run bench:first-load -- http://host:port`,
 * or --build to build the working tree in a private folder first (see support/private-build.ts).
 */
import { gzipSync } from 'node:zlib';
import { hasFlag } from './support/args';
import { snapshotBuild } from './support/build-snapshot';
import { createPgliteFolder, runMain } from './support/databases';
import { buildWorkingTree } from './support/private-build';
import { startProductionServer } from './support/server';
import { printTable, verdict } from './support/table';

const TARGET_KB = 250;

/** The production build, run from a private copy (see support/build-snapshot.ts) on a throwaway PGlite folder. */
async function startServer(fresh: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const build = fresh ? buildWorkingTree(process.cwd()) : await snapshotBuild(process.cwd());
  const database = createPgliteFolder('bench-first-load');
  try {
    const server = await startProductionServer({ appDir: build.dir, database });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await database.dispose();
        build.dispose();
      },
    };
  } catch (error) {
    await database.dispose();
    build.dispose();
    throw error;
  }
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

runMain(async () => {
  const argv = process.argv.slice(2);
  const given = argv.find((arg) => !arg.startsWith('--'));
  const server = given ? { url: given, async stop() {} } : await startServer(hasFlag(argv, 'build'));
  try {
    const { files, inline } = await measure(server.url);
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    const total = files.reduce((sum, file) => sum + file.gzip, 0);
    const totalRaw = files.reduce((sum, file) => sum + file.raw, 0);
    printTable(
      'First-load JS of / (what a browser downloads before the page is interactive)',
      ['file', 'gzip kB', 'raw kB', 'target', 'verdict'],
      [
        ...files
          .sort((a, b) => b.gzip - a.gzip)
          .map((file) => [file.src, kb(file.gzip), kb(file.raw), '', '']),
        ['(inline scripts: RSC payload, not counted)', kb(inline.gzip), kb(inline.raw), '', ''],
        [
          `total of ${files.length} files`,
          kb(total),
          kb(totalRaw),
          `≤ ${TARGET_KB}`,
          verdict(total / 1024 <= TARGET_KB),
        ],
      ],
    );
  } finally {
    await server.stop();
  }
});
