/**
 * Finds the process that really serves a port (Linux /proc), so a crash test can SIGKILL the node server itself
 * rather than the npx wrapper in front of it, and check that it is gone.
 */
import fs from 'node:fs';

/** The pid of the process holding a listening TCP socket on `port` (IPv4 or IPv6), or null. */
export function listeningPid(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (!local || !inode || state !== '0A') continue; // 0A = LISTEN
      if (Number.parseInt(local.split(':').pop() ?? '', 16) === port) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // Another user's process, or gone meanwhile.
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] && inodes.has(match[1])) return Number(entry);
    }
  }
  return null;
}

/** A process's command line, with its arguments separated by spaces ('' when it is gone). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** True while the process exists and is not a zombie (a killed child its parent has not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which is in parentheses and may contain spaces): the first is the state.
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True when `pid` is a (grand…)child of `ancestor`: a test only ever kills processes it started. */
export function isDescendantOf(pid: number, ancestor: number): boolean {
  let current: number | null = pid;
  for (let depth = 0; current !== null && current > 1 && depth < 64; depth++) {
    current = parentPid(current);
    if (current === ancestor) return true;
  }
  return false;
}

function parentPid(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command: state, then the parent's pid.
    const parent = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    return parent ? Number(parent) : null;
  } catch {
    return null;
  }
}
