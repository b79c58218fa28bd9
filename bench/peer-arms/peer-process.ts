/**
 * Starts a peer arm's server (a Node script in its own folder, run by this process's Node, which strips the
 * TypeScript types itself) on a free port and stops it again.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { onInterrupt } from '../support/interrupt';
import { freePort, waitForHealth, type RunningServer } from '../support/server';

export async function startPeerServer(options: {
  dir: string;
  script: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [options.script, ...options.args(port)], {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    forget();
    if (!exited) {
      child.kill('SIGTERM');
      const gone = await Promise.race([exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!gone && !exited) child.kill('SIGKILL');
    }
    child.stdout.destroy();
    child.stderr.destroy();
  };
  const forget = onInterrupt(() => stop());
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, options.timeoutMs ?? 60_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}. Output:\n${output.join('').slice(-4_000)}`, {
      cause: error,
    });
  }
  return { url, stop };
}
