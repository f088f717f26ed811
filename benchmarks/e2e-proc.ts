// What a process costs, read from Linux's /proc: CPU time (`stat`) and resident memory (`status`), and which
// process listens on a TCP port (for a Kafka or Elasticsearch that another run started without a pid file).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of `utime`/`stime`; 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  /** User + system CPU time since the process started, in seconds. */
  cpuSeconds: number;
  /** Resident set size, bytes. */
  rssBytes: number;
}

/** CPU seconds from the text of /proc/<pid>/stat. The command name may hold spaces and parentheses. */
export function cpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of stat(5), so utime (14) and stime (15) sit at 11 and 12 here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Resident bytes from the text of /proc/<pid>/status (`VmRSS: 123 kB`). */
export function rssBytesOfStatus(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error('no VmRSS in /proc status');
  return Number(m[1]) * 1024;
}

/** The process's cost now, or undefined when it is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    return {
      cpuSeconds: cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')),
      rssBytes: rssBytesOfStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    };
  } catch {
    return undefined;
  }
}

/** Socket inodes listening on `port` (any address), from the text of /proc/net/tcp or tcp6. */
export function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A') // 0A: LISTEN
    .map((f) => f[9] ?? '')
    .filter((inode) => inode !== '' && inode !== '0');
}

/** The pid of the process listening on a local TCP port, when this user may see its file descriptors. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of listeningInodes(readFileSync(table, 'utf8'), port)) inodes.add(`socket:[${inode}]`);
    } catch {
      // no IPv6 table: nothing listens there
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // the descriptor closed while we looked
      }
    }
  }
  return undefined;
}
