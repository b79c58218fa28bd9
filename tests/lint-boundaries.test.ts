/**
 * The lint configuration is part of the architecture: app/ must not reach into db/ or server internals, and
 * floating promises must be caught. This runs the real linter on throwaway files to prove the rules fire.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const oxlint = path.join(
  path.dirname(createRequire(import.meta.url).resolve('oxlint/package.json')),
  'bin',
  'oxlint',
);
const written: string[] = [];

function lint(file: string, source: string): string {
  fs.writeFileSync(file, source);
  written.push(file);
  const result = spawnSync(process.execPath, [oxlint, '--type-aware', file], { encoding: 'utf8' });
  return result.stdout + result.stderr;
}

afterEach(() => {
  for (const file of written.splice(0)) fs.rmSync(file, { force: true });
});

describe('lint rules', () => {
  it('keep app/ away from db/ and server internals, but allow its entry points', () => {
    const output = lint(
      'app/__lint_probe.ts',
      [
        "import { todos } from '@/db/schema';",
        "import { getDb } from '@/server/db';",
        "import { router } from '../server/trpc';",
        "import { createSyncServer } from '@/framework/server';",
        "import { compareRows } from '@/framework/shared';",
        "import { handleHealthRequest } from '@/server/http/health';",
        "import type { AppRouter } from '@/server/router-type';",
        'export type { AppRouter };',
        'export { todos, getDb, router, handleHealthRequest, createSyncServer, compareRows };',
      ].join('\n'),
    );
    expect(output).toContain("'@/db/schema' import is restricted");
    expect(output).toContain("'@/server/db' import is restricted");
    expect(output).toContain("'../server/trpc' import is restricted");
    expect(output).toContain("'@/framework/server' import is restricted");
    expect(output).not.toContain("'@/framework/shared' import is restricted");
    expect(output).not.toContain("'@/server/http/health' import is restricted");
    expect(output).not.toContain("'@/server/router-type' import is restricted");
  });

  it('keep framework/ from importing the app, by alias or by a relative path out of framework/', () => {
    const output = lint(
      'framework/server/runtime/__lint_probe.ts',
      [
        "import { todos } from '@/db/schema';",
        "import { mutators } from '@/mutators/registry';",
        "import { getEnv } from '@/server/env';",
        "import { TodoApp } from '@/app/_components/todo-app';",
        "import { useRows } from '@/client/sync';",
        "import { actions } from '../../../server/actions/registry';",
        // Inside the framework: relative imports that stay in framework/, and its own aliases.
        "import { executeMutation } from './executor';",
        "import { compareRows } from '../../shared/row-order';",
        "import { users } from '@/framework/server/schema';",
        'export { todos, mutators, getEnv, TodoApp, useRows, actions, executeMutation, compareRows, users };',
      ].join('\n'),
    );
    for (const forbidden of [
      '@/db/schema',
      '@/mutators/registry',
      '@/server/env',
      '@/app/_components/todo-app',
      '@/client/sync',
      '../../../server/actions/registry',
    ])
      expect(output).toContain(`'${forbidden}' import is restricted`);
    for (const allowed of ['./executor', '../../shared/row-order', '@/framework/server/schema'])
      expect(output).not.toContain(`'${allowed}' import is restricted`);
  });

  it("keep the app on the framework's entry points, not its internal files", () => {
    const output = lint(
      'server/__lint_probe.ts',
      [
        "import { executeMutation } from '@/framework/server/runtime/executor';",
        "import { createSyncServer } from '@/framework/server';",
        "import { users } from '@/framework/server/schema';",
        "import { openDatabase } from '@/framework/server/db';",
        'export { executeMutation, createSyncServer, users, openDatabase };',
      ].join('\n'),
    );
    expect(output).toContain("'@/framework/server/runtime/executor' import is restricted");
    for (const allowed of ['@/framework/server', '@/framework/server/schema', '@/framework/server/db'])
      expect(output).not.toContain(`'${allowed}' import is restricted`);
  });

  it('reject floating promises and value imports used only as types', () => {
    const output = lint(
      'server/__lint_probe.ts',
      [
        "import { Todo } from '@/db/schema';",
        'async function save(): Promise<void> {}',
        'export function run(todo: Todo) {',
        '  save();',
        '  return todo;',
        '}',
      ].join('\n'),
    );
    expect(output).toContain('no-floating-promises');
    expect(output).toContain('consistent-type-imports');
  });
});
