/**
 * nginx (Debian's `nginx` package) in front of the app processes, run by the test as a child process in a temporary
 * folder: the server block is deploy/nginx/app.conf.template — the file compose.yaml mounts — with its port filled
 * in, and the upstream list is written beside it as app-upstreams.conf, as compose mounts its own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export const NGINX_BINARY = '/usr/sbin/nginx';
export const NGINX_TEMPLATE = path.resolve('deploy', 'nginx', 'app.conf.template');

/** One request as nginx logged it (the access log is tab-separated, see LOG_FORMAT). */
export interface NginxLogEntry {
  method: string;
  uri: string;
  /** The status nginx answered the client with. */
  status: number;
  /** Every upstream tried, in order (`127.0.0.1:3301, 127.0.0.1:3302` when nginx moved on to the next). */
  upstreams: string[];
  /** The status each upstream answered, or 502 / 504 for one that failed. */
  upstreamStatuses: string[];
}

export interface Nginx {
  url: string;
  port: number;
  /** Every request nginx has finished so far. */
  accessLog(): NginxLogEntry[];
  /** Its error log (connection failures to upstreams land here). */
  errorLog(): string;
  stop(): Promise<void>;
}

const LOG_FORMAT =
  "log_format topology '$request_method\\t$uri\\t$status\\t$upstream_addr\\t$upstream_status';";

/** Renders the shared template the way the nginx image's entrypoint does (envsubst of the named variables). */
export function renderTemplate(template: string, variables: Record<string, string>): string {
  const rendered = template.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined)
      throw new Error(`${NGINX_TEMPLATE} uses \${${name}}, which the test does not set`);
    return value;
  });
  return rendered;
}

/** nginx's worker user when the test runs as root (CI does): one that exists on Debian, with its own group. */
function unprivilegedUser(): string {
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  const nobody = passwd.find((line) => line.startsWith('nobody:'))?.split(':');
  const gid = nobody?.[3];
  const group = fs
    .readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[2] === gid)?.[0];
  if (!group) throw new Error('no user "nobody" with a group in /etc/passwd for nginx workers to run as');
  return `nobody ${group}`;
}

export async function startNginx(upstreams: { port: number }[]): Promise<Nginx> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-nginx-'));
  fs.chmodSync(dir, 0o755); // Workers (another user when run as root) write their temporary files in here.
  const accessLogFile = path.join(dir, 'access.log');
  const errorLogFile = path.join(dir, 'error.log');
  const asRoot = process.getuid?.() === 0;
  const servers = upstreams.map(
    (upstream) => `server 127.0.0.1:${upstream.port} max_fails=1 fail_timeout=5s;`,
  );
  fs.writeFileSync(path.join(dir, 'app-upstreams.conf'), `${servers.join('\n')}\n`);
  fs.writeFileSync(
    path.join(dir, 'app.conf'),
    renderTemplate(fs.readFileSync(NGINX_TEMPLATE, 'utf8'), { NGINX_PORT: `127.0.0.1:${port}` }),
  );
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      // What the nginx image's own nginx.conf provides around conf.d/*.conf, with every path in this folder.
      ...(asRoot ? [`user ${unprivilegedUser()};`] : []),
      'daemon off;',
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${errorLogFile} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `  ${LOG_FORMAT}`,
      `  access_log ${accessLogFile} topology;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (kind) => `  ${kind}_temp_path ${path.join(dir, `${kind}_temp`)};`,
      ),
      '  include app.conf;',
      '}',
      '',
    ].join('\n'),
  );

  // -e: the error log before the configuration is read (the default, /var/log/nginx, may not be writable).
  const child = spawn(NGINX_BINARY, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', errorLogFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Should the test process end without stop() (a worker torn down after a timeout), nginx must not outlive it.
  const killOnExit = () => signalGroup(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const readErrorLog = () => (fs.existsSync(errorLogFile) ? fs.readFileSync(errorLogFile, 'utf8') : '');
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM: fast shutdown of the master and its workers.
      child.kill('SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    // Any answer means nginx listens (the app processes may still be starting).
    const answered = await fetch(`${url}/api/health`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = `${output}${readErrorLog()}`;
      await stop();
      throw new Error(`nginx did not start on port ${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port,
    accessLog: () =>
      parseAccessLog(fs.existsSync(accessLogFile) ? fs.readFileSync(accessLogFile, 'utf8') : ''),
    errorLog: readErrorLog,
    stop,
  };
}

function parseAccessLog(text: string): NginxLogEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [method = '', uri = '', status = '0', upstreams = '', upstreamStatuses = ''] = line.split('\t');
      const list = (value: string) => (value === '-' ? [] : value.split(/\s*[,:]\s+/).filter(Boolean));
      return {
        method,
        uri,
        status: Number(status),
        upstreams: list(upstreams),
        upstreamStatuses: list(upstreamStatuses),
      };
    });
}

/** Signals a process group that may be gone already. */
function signalGroup(group: number | undefined, signal: NodeJS.Signals): void {
  if (group === undefined) return;
  try {
    process.kill(-group, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
