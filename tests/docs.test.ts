/**
 * The documentation stays usable: the README fits on a page, Markdown links resolve, every environment variable is
 * documented, and no source comment sends a reader to a file that does not exist (a renamed module, a design document
 * the project never had). Path detection is deliberately narrow — a known top-level folder and a file extension, or a
 * bare Markdown file name — so that prose, URLs and package paths never count.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

const README_MAX_BYTES = 10_240;

/** Top-level folders whose files comments may name (a source file under server/, a page under docs/). */
const TOP_LEVEL = [
  'framework',
  'app',
  'server',
  'client',
  'mutators',
  'db',
  'scripts',
  'tests',
  'e2e',
  'bench',
  'docs',
  'deploy',
];
const EXTENSIONS = [
  'ts',
  'tsx',
  'mts',
  'cts',
  'js',
  'mjs',
  'cjs',
  'md',
  'json',
  'sql',
  'css',
  'yaml',
  'yml',
  'conf',
];

/** Folders whose .ts/.tsx sources are scanned, plus the top-level .ts files. */
const SOURCE_FOLDERS = [
  'framework',
  'app',
  'server',
  'client',
  'mutators',
  'db',
  'scripts',
  'tests',
  'e2e',
  'bench',
];

function walk(dir: string, accept: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, accept));
    else if (accept(full)) out.push(full);
  }
  return out;
}

function sourceFiles(): string[] {
  const isSource = (file: string) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts');
  const topLevel = fs
    .readdirSync(root)
    .filter((name) => isSource(name))
    .map((name) => path.join(root, name));
  return [...topLevel, ...SOURCE_FOLDERS.flatMap((folder) => walk(path.join(root, folder), isSource))];
}

function markdownFiles(): string[] {
  return [
    path.join(root, 'README.md'),
    ...walk(path.join(root, 'docs'), (file) => file.endsWith('.md')),
    path.join(root, 'bench/README.md'),
  ];
}

/**
 * The comments of a TypeScript source, with their 1-based line numbers. A small scanner: it skips string and
 * template literals (with `${}` nesting) and regular expression literals, so `'//'` or `/\/\*` never open a comment.
 */
export function extractComments(source: string): { line: number; text: string }[] {
  const comments: { line: number; text: string }[] = [];
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  // Each entry: the brace depth at which a template literal's `${` was opened.
  const templateStack: number[] = [];
  let braceDepth = 0;
  let lastSignificant = '';
  let lastWord = '';
  let i = 0;
  const n = source.length;
  const regexMayStart = () =>
    lastSignificant === '' ||
    '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
    [
      'return',
      'typeof',
      'case',
      'do',
      'else',
      'in',
      'of',
      'new',
      'delete',
      'void',
      'throw',
      'yield',
      'await',
    ].includes(lastWord);

  const skipTemplate = () => {
    // i is just past a backtick or a closing `}` of `${…}`; runs to the closing backtick or to a `${`.
    while (i < n) {
      const c = source[i]!;
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        return;
      }
      if (c === '$' && source[i + 1] === '{') {
        templateStack.push(braceDepth);
        braceDepth++;
        i += 2;
        return;
      }
      i++;
    }
  };

  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      comments.push({ line: lineAt(i), text: source.slice(i + 2, stop) });
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end;
      const startLine = lineAt(i);
      source
        .slice(i + 2, stop)
        .split('\n')
        .forEach((text, offset) => comments.push({ line: startLine + offset, text }));
      i = stop + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i++;
      lastSignificant = c;
      lastWord = '';
      continue;
    }
    if (c === '`') {
      i++;
      skipTemplate();
      lastSignificant = '`';
      lastWord = '';
      continue;
    }
    if (c === '/' && regexMayStart()) {
      i++;
      let inClass = false;
      while (i < n && source[i] !== '\n') {
        const r = source[i]!;
        if (r === '\\') {
          i += 2;
          continue;
        }
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/i.test(source[i]!)) i++;
      lastSignificant = '/';
      lastWord = '';
      continue;
    }
    if (c === '{') braceDepth++;
    if (c === '}') {
      braceDepth--;
      if (templateStack.length > 0 && templateStack[templateStack.length - 1] === braceDepth) {
        templateStack.pop();
        i++;
        skipTemplate();
        lastSignificant = '`';
        lastWord = '';
        continue;
      }
    }
    if (/[\w$]/.test(c)) {
      const match = /^[\w$]+/.exec(source.slice(i, i + 64))!;
      lastWord = match[0];
      lastSignificant = 'a';
      i += match[0].length;
      continue;
    }
    if (!/\s/.test(c)) {
      lastSignificant = c;
      lastWord = '';
    }
    i++;
  }
  return comments;
}

const PATH_PATTERN = new RegExp(
  // Not part of a longer path or URL (`node_modules/next/dist/docs/…`, `https://…/docs/x.md`).
  String.raw`(?<![\w./@:-])` +
    `(?:(?:${TOP_LEVEL.join('|')})/[\\w.()\\[\\]-]+(?:/[\\w.()\\[\\]-]+)*\\.(?:${EXTENSIONS.join('|')})` +
    String.raw`|[\w-]+\.md)` +
    String.raw`(?!\.?[\w/-])`,
  'g',
);

/** Repository paths a piece of comment text names: a known folder, a path and an extension, or a bare Markdown name. */
export function pathsIn(text: string): string[] {
  return [...text.matchAll(PATH_PATTERN)].map((match) => match[0]);
}

/** Relative link targets of a Markdown file, code blocks and code spans left out. */
function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!),
  ];
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'));
}

describe('documentation', () => {
  it('keeps README.md to one page (≤ 10 kB)', () => {
    const bytes = fs.statSync(path.join(root, 'README.md')).size;
    expect(bytes, `README.md is ${bytes} bytes; move detail to docs/`).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it('has no relative Markdown link to a missing file', () => {
    const missing: string[] = [];
    for (const file of markdownFiles()) {
      for (const target of markdownLinks(fs.readFileSync(file, 'utf8'))) {
        const filePart = decodeURI(target.split('#')[0]!.split('?')[0]!);
        if (filePart === '') continue;
        const resolved = path.resolve(path.dirname(file), filePart);
        if (!fs.existsSync(resolved)) missing.push(`${path.relative(root, file)} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every environment variable of server/env.ts in docs/configuration.md', () => {
    const envSource = fs.readFileSync(path.join(root, 'server/env.ts'), 'utf8');
    const variables = new Set([...envSource.matchAll(/^ {4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!));
    expect(variables.size).toBeGreaterThan(20);
    const configuration = fs.readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    const undocumented = [...variables].filter((name) => !configuration.includes('`' + name + '`'));
    expect(undocumented).toEqual([]);
  });

  it('has no source comment naming a file that does not exist', () => {
    const dangling: string[] = [];
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      for (const { line, text } of extractComments(fs.readFileSync(file, 'utf8'))) {
        for (const named of pathsIn(text)) {
          if (!fs.existsSync(path.join(root, named)))
            dangling.push(`${path.relative(root, file)}:${line} → ${named}`);
        }
      }
    }
    expect(dangling).toEqual([]);
  });
});

describe('the comment scanner', () => {
  it('finds comments but not comment-like text in strings, templates and regular expressions', () => {
    const source = [
      "const a = '// not a comment'; // first",
      'const b = `x ${"/* no */"} y`; /* second */',
      'const c = /\\/\\/ no/.test(a) ? 1 : 2; // third',
      'const d = x / 2 / 3; // fourth',
    ].join('\n');
    expect(extractComments(source).map((c) => c.text.trim())).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('names repository paths only with a known folder and an extension, or a bare .md name', () => {
    const named = (text: string) => pathsIn(text);
    expect(named('see framework/server/runtime/executor.ts and docs/architecture.md (rule 3)')).toEqual([
      'framework/server/runtime/executor.ts',
      'docs/architecture.md',
    ]);
    expect(named('the ' + 'DESIGN' + '.md rule 5')).toEqual(['DESIGN' + '.md']);
    expect(named('app/api/trpc/[trpc]/route.ts.')).toEqual(['app/api/trpc/[trpc]/route.ts']);
    expect(named('deploy/nginx/app.conf.template')).toEqual([]);
    expect(named('node_modules/next/dist/docs/01-app/guide.md, https://example.com/docs/x.md')).toEqual([]);
    expect(named('framework/server/runtime/ and db/migrations, tests/*.test.ts, @/server/env')).toEqual([]);
  });
});
