/**
 * Starts extra server processes (the standalone server of the production build that Playwright's webServer made),
 * for specs that need a server of their own (restarts, several processes on one database).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E_MAIL_ENV } from './mail-env';
import { spawnStandaloneServer } from './standalone-server';

export interface RunningServer {
  url: string;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group (a crash), then waits until it is gone. */
  crash(): Promise<void>;
}

/** The name of the app's session cookie (without BETTER_AUTH_URL=https://…, so without the `__Secure-` prefix). */
export const SESSION_COOKIE = 'starter.session_token';

/**
 * A real guest session of a running server, as a Cookie header pair (`starter.session_token=…`): the proxy makes a
 * guest (user, welcome rows, session) on any request but health checks.
 */
export async function newSessionCookie(url: string): Promise<string> {
  const response = await fetch(`${url}/api/trpc/todos.list`);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error('the server set no session cookie');
  return cookie.split(';')[0] ?? '';
}

export function tempPgliteDir(prefix: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)), 'db');
}

export async function startNextServer(
  port: number,
  env: Record<string, string>,
  options: { serverJs?: string } = {},
): Promise<RunningServer> {
  const child: ChildProcess = spawnStandaloneServer(
    port,
    {
      DATABASE_URL: '',
      SESSION_SECRET: 'e2e-session-secret-with-at-least-32-characters',
      ...E2E_MAIL_ENV,
      // Plain http: the session cookie is not Secure (and has no __Secure- prefix), as in development.
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: '1',
      // Every visitor of a spec comes from 127.0.0.1; a spec that tests the limit sets its own.
      NEW_VISITOR_RATE_LIMIT: '1000000',
      ...env,
    },
    options,
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    // A timeout per probe: a stale process holding the port accepts and never answers, which must end in the
    // deadline's clear error below, not a hang until the test's own timeout.
    const healthy = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the server on port ${port} did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const waitUntilGone = async (group: number) => {
    const deadline = Date.now() + 20_000;
    while (signalGroup(group, 0)) {
      if (Date.now() > deadline) throw new Error(`next-server on port ${port} is still running:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  return {
    url,
    output: () => output,
    async crash() {
      if (!child.pid) return;
      signalGroup(child.pid, 'SIGKILL');
      await waitUntilGone(child.pid);
    },
    async stop() {
      const group = child.pid;
      if (!group) return;
      signalGroup(group, 'SIGTERM');
      await exited;
      // Wait for the whole group (anything the server started too), so the port and PGlite folder are free.
      const deadline = Date.now() + 20_000;
      while (signalGroup(group, 0)) {
        if (Date.now() > deadline) {
          signalGroup(group, 'SIGKILL');
          throw new Error(`next-server on port ${port} did not stop within 20 s of SIGTERM:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Sends a signal to a process group; false when the group no longer exists. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
