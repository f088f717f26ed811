// `npm start` runs the whole pipeline as one supervised process group: every stage its own process with
// health and metrics of its own; syslog sent in ends up in Elasticsearch; a stage that dies is started again;
// stopping (or Ctrl-C on `rmwatch start`) leaves no stage process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type RunningPipeline, type StageProcess } from '../../cli/pipeline.ts';
import { STAGES } from '../../cli/run.ts';
import { loadConfig } from '../../infra/config.ts';
import { indexName } from '../../infra/index-templates.ts';
import { createHarness, REPO_ROOT, setupNamespace, type Harness } from '../support/harness.ts';

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first metrics port with one free port per stage after it. */
async function freeMetricsBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(STAGES.map((_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** A configuration file of the test's own: syslog on free loopback ports, its journal in a temporary folder. */
async function writeConfig(dir: string): Promise<{ file: string; tcpPort: number }> {
  const [udpPort, tcpPort] = [await freePort(), await freePort()];
  const file = join(dir, 'rmwatch.yaml');
  writeFileSync(
    file,
    [
      'collectors:',
      '  syslog:',
      `    udp: { host: 127.0.0.1, port: ${udpPort} }`,
      `    tcp: { host: 127.0.0.1, port: ${tcpPort} }`,
      `    journal: { dir: ${JSON.stringify(join(dir, 'journal'))} }`,
      '',
    ].join('\n'),
  );
  return { file, tcpPort };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `logger` from util-linux over TCP, one message per line. */
function logger(port: number, tag: string, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('logger', ['-n', '127.0.0.1', '-P', String(port), '-T', '--rfc3164', '-t', tag], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`logger: ${stderr}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

const get = async (url: string) => {
  const answer = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: answer.status, text: await answer.text() };
};

describe('the supervised pipeline', () => {
  let h: Harness;
  let dir: string;
  let pipeline: RunningPipeline;
  let tcpPort: number;
  const stageNamed = (name: string): StageProcess => {
    const found = pipeline.stages.find((s) => s.name === name);
    if (!found) throw new Error(`no stage ${name}`);
    return found;
  };

  beforeAll(async () => {
    h = createHarness('start');
    await setupNamespace(h);
    dir = mkdtempSync(join(tmpdir(), 'rmwatch-start-'));
    const written = await writeConfig(dir);
    tcpPort = written.tcpPort;
    const env = { ...h.env, RMWATCH_CONFIG: written.file };
    pipeline = await startPipeline(loadConfig({ env }), {
      log: h.log,
      env,
      basePort: await freeMetricsBase(),
    });
    await pipeline.ready;
  }, 240_000);
  afterAll(async () => {
    await pipeline?.stop();
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every stage the configuration turns on, each as a process of its own; HTTP inputs stay off', () => {
    expect(pipeline.stages.map((s) => s.name)).toEqual([
      'syslog',
      'normalize',
      'evidence',
      'correlate',
      'index',
      'retention',
      'alerts',
      'health',
    ]);
    const pids = pipeline.stages.map((s) => s.pid);
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids).not.toContain(process.pid);
    expect(new Set(pipeline.stages.map((s) => s.metricsUrl)).size).toBe(pids.length);
  });

  it("every stage answers /healthz with 200 and /metrics with its health and the process's metrics", async () => {
    for (const stage of pipeline.stages) {
      const health = await get(`${stage.metricsUrl}/healthz`);
      expect(health.status, stage.name).toBe(200);
      expect(JSON.parse(health.text)).toEqual({ status: 'ok', stage: stage.name });
      const metrics = await get(`${stage.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain(`rmwatch_stage_healthy{stage="${stage.name}"} 1`);
      expect(metrics.text).toMatch(/^process_resident_memory_bytes \d+$/m);
      expect(metrics.text).toMatch(/^process_cpu_seconds_total [\d.]+$/m);
      expect(metrics.text).toMatch(/^nodejs_heap_used_bytes \d+$/m);
      expect(metrics.text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);
    }
    // The retention stage runs once at start, so its counter is there before any input.
    expect((await get(`${stageNamed('retention').metricsUrl}/metrics`)).text).toMatch(
      /^rmwatch_retention_runs_total 1$/m,
    );
  });

  it('syslog sent to the collector is normalised and indexed in Elasticsearch, and every stage counts it', async () => {
    const lines = Array.from(
      { length: 5 },
      (_, i) =>
        `%ASA-6-722051: Group <GroupPolicy_vendor> User <vnd_start> IP <203.0.113.5> IPv4 Address <10.99.0.${i + 10}> IPv6 address <::> assigned to session`,
    );
    await logger(tcpPort, 'asa-start', lines);
    const events = indexName(h.config, 'events');
    await until(async () => {
      await h.store.refresh(events);
      return (await h.store.count(events)) >= lines.length;
    });
    const metricsOf = async (name: string) => (await get(`${stageNamed(name).metricsUrl}/metrics`)).text;
    expect(await metricsOf('syslog')).toMatch(/^rmwatch_syslog_received_total [1-9]\d*$/m);
    expect(await metricsOf('normalize')).toMatch(/^rmwatch_normalize_events_total [1-9]\d*$/m);
    expect(await metricsOf('index')).toMatch(/^rmwatch_index_events_indexed_total [1-9]\d*$/m);
  });

  it('a stage that is killed is started again and becomes healthy', async () => {
    const normalize = stageNamed('normalize');
    const killed = normalize.pid ?? 0;
    expect(killed).toBeGreaterThan(0);
    process.kill(killed, 'SIGKILL');
    await until(() => normalize.restarts === 1 && normalize.pid !== undefined && normalize.pid !== killed);
    expect(isAlive(killed)).toBe(false);
    await until(async () => (await get(`${normalize.metricsUrl}/healthz`)).status === 200);
    expect(normalize.restarts).toBe(1);
  });

  it('stop() ends every stage process', async () => {
    const pids = pipeline.stages.map((s) => s.pid ?? 0);
    expect(pids.every(isAlive)).toBe(true);
    await pipeline.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(pipeline.stages.every((s) => s.pid === undefined)).toBe(true);
  });
});

describe('rmwatch start', () => {
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    h = createHarness('start-cli');
    dir = mkdtempSync(join(tmpdir(), 'rmwatch-start-cli-'));
  });
  afterAll(async () => {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `rmwatch start` in this test's namespace, once every stage is healthy: the process and its stages' pids. */
  async function startCli(): Promise<{
    child: ChildProcess;
    pids: number[];
    exited: Promise<number | null>;
  }> {
    const { file } = await writeConfig(dir);
    const child = spawn(process.execPath, ['cli/rmwatch.mjs', 'start', '--config', file], {
      cwd: REPO_ROOT,
      env: { ...h.env, RMWATCH_METRICS_PORT: String(await freeMetricsBase()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => /stages are healthy/.test(stdout), 240_000).catch(() => {
      child.kill('SIGKILL');
      throw new Error(`rmwatch start did not become healthy:\n${stdout}\n${stderr}`);
    });
    // The table: one row per stage with its pid and metrics URL.
    const rows = [...stdout.matchAll(/^(\S+)\s+(\d+)\s+(http:\/\/127\.0\.0\.1:\d+)\/healthz/gm)];
    expect(rows.map((r) => r[1])).toContain('index');
    const pids = rows.map((r) => Number(r[2]));
    expect(pids.every(isAlive)).toBe(true);
    return { child, pids, exited };
  }

  it('runs the pipeline until Ctrl-C, then exits 0 with every stage process gone', async () => {
    const { child, pids, exited } = await startCli();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 300_000);

  it('when rmwatch start is killed outright, its stages notice and stop by themselves', async () => {
    const { child, pids, exited } = await startCli();
    child.kill('SIGKILL');
    await exited;
    await until(() => pids.every((pid) => !isAlive(pid)), 60_000);
  }, 300_000);
});
