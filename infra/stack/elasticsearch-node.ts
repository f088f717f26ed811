// One Elasticsearch node on 127.0.0.1, security off (loopback only), from the integ-test distribution.
// Elasticsearch refuses to run as root, so a root caller runs it as the system user `rmwatch-es`.
import { createHash } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { fetchElasticsearch } from './distributions.ts';
import { isOurProcess, readPid, runCommand, stopByPidFile } from './processes.ts';

export const ELASTICSEARCH_MARKER = 'org.elasticsearch';
const SERVICE_USER = 'rmwatch-es';
const MIN_JAVA = 21;

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The node's working folder: inside the stack folder, unless we are root and the service user cannot
 * reach it (e.g. a checkout under /root); then a folder under /var/lib named after the stack folder.
 */
export function elasticsearchDir(stack: ResolvedConfig['stack']): string {
  const preferred = join(stack.dir, 'elasticsearch');
  if (!isRoot() || reachableByOthers(stack.dir)) return preferred;
  const tag = createHash('sha256').update(stack.dir).digest('hex').slice(0, 12);
  return join('/var/lib/rmwatch', `stack-${tag}`, 'elasticsearch');
}

function reachableByOthers(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (d === dirname(d)) return true;
  }
}

function paths(stack: ResolvedConfig['stack']) {
  const dir = elasticsearchDir(stack);
  return {
    dir,
    config: join(dir, 'config'),
    data: join(dir, 'data'),
    logs: join(dir, 'logs'),
    pidFile: join(dir, 'elasticsearch.pid'),
  };
}

export function elasticsearchPid(stack: ResolvedConfig['stack']): number | undefined {
  const pid = readPid(paths(stack).pidFile);
  return pid !== undefined && isOurProcess(pid, ELASTICSEARCH_MARKER) ? pid : undefined;
}

/** A JDK of version 21 or newer: `$ES_JAVA_HOME`, else the newest one under /usr/lib/jvm. */
export function findJavaForElasticsearch(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ES_JAVA_HOME) return env.ES_JAVA_HOME;
  const root = '/usr/lib/jvm';
  const candidates = existsSync(root)
    ? readdirSync(root)
        .map((name) => join(root, name))
        .map((home) => ({ home, major: javaMajor(home) }))
        .filter((c) => c.major >= MIN_JAVA && existsSync(join(c.home, 'bin', 'java')))
        .sort((a, b) => b.major - a.major)
    : [];
  const best = candidates[0];
  if (!best) {
    throw new Error(`Elasticsearch needs Java ${MIN_JAVA} or newer: none under ${root}; set ES_JAVA_HOME`);
  }
  return best.home;
}

function javaMajor(home: string): number {
  try {
    const release = readFileSync(join(home, 'release'), 'utf8');
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(release)?.[1] ?? '';
    const [first, second] = version.split('.');
    return Number(first === '1' ? second : first) || 0;
  } catch {
    return 0;
  }
}

async function ensureServiceUser(): Promise<{ uid: number; gid: number }> {
  try {
    await runCommand('id', ['-u', SERVICE_USER]);
  } catch {
    await runCommand('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      SERVICE_USER,
    ]);
  }
  const uid = Number((await runCommand('id', ['-u', SERVICE_USER])).stdout.trim());
  const gid = Number((await runCommand('id', ['-g', SERVICE_USER])).stdout.trim());
  return { uid, gid };
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/** Starts the node and returns once it answers (the launcher waits for that in daemon mode). */
export async function startElasticsearch(stack: ResolvedConfig['stack'], log: Logger): Promise<number> {
  const home = await fetchElasticsearch(stack.cacheDir, stack.elasticsearchVersion, log);
  const javaHome = findJavaForElasticsearch();
  const p = paths(stack);
  for (const d of [p.dir, p.data, p.logs]) mkdirSync(d, { recursive: true });
  if (!existsSync(p.config)) cpSync(join(home, 'config'), p.config, { recursive: true });
  writeFileSync(
    join(p.config, 'elasticsearch.yml'),
    [
      'cluster.name: rmwatch-local',
      'node.name: rmwatch-local',
      'network.host: 127.0.0.1',
      `http.port: ${stack.elasticsearchPort}`,
      `transport.port: ${stack.elasticsearchTransportPort}`,
      'discovery.type: single-node',
      // Bound to loopback only; the security module would otherwise demand TLS certificates.
      'xpack.security.enabled: false',
      `path.data: ${p.data}`,
      `path.logs: ${p.logs}`,
      // Developer machines and CI run with little free disk; the watermarks would block writes there.
      'cluster.routing.allocation.disk.threshold_enabled: false',
      'action.destructive_requires_name: false',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(p.config, 'jvm.options.d', 'rmwatch-heap.options'),
    `-Xms${stack.elasticsearchHeap}\n-Xmx${stack.elasticsearchHeap}\n`,
  );

  const env = { ...process.env, ES_JAVA_HOME: javaHome, ES_PATH_CONF: p.config };
  const launcher = [join(home, 'bin', 'elasticsearch'), '-d', '-p', p.pidFile];
  log.info({ port: stack.elasticsearchPort, java: javaHome, logs: p.logs }, 'Elasticsearch starting');
  if (isRoot()) {
    const { uid, gid } = await ensureServiceUser();
    chownTree(p.dir, uid, gid);
    await runCommand(
      'runuser',
      ['-u', SERVICE_USER, '--', 'env', `ES_JAVA_HOME=${javaHome}`, `ES_PATH_CONF=${p.config}`, ...launcher],
      { cwd: p.dir },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n(see ${p.logs}/rmwatch-local.log)`);
    });
  } else {
    await runCommand(launcher[0] as string, launcher.slice(1), { env, cwd: p.dir }).catch((err: Error) => {
      throw new Error(`${err.message}\n(see ${p.logs}/rmwatch-local.log)`);
    });
  }
  const pid = readPid(p.pidFile);
  if (pid === undefined) throw new Error(`Elasticsearch started but wrote no pid file at ${p.pidFile}`);
  return pid;
}

export function stopElasticsearch(stack: ResolvedConfig['stack']): Promise<boolean> {
  return stopByPidFile(paths(stack).pidFile, ELASTICSEARCH_MARKER);
}
