// `rmwatch start`: the whole pipeline as one supervised process group.
//   Runs every stage the configuration turns on (`stagesFor`) as its own child process,
//   `node cli/rmwatch.mjs run <stage>`, with the parent's environment plus `options.env` and
//   `RMWATCH_METRICS_PORT` = base port (`observability.port`, else 9464) + the stage's place in `STAGES`,
//   so each stage's `/healthz` and `/metrics` sit on a port of their own that does not move when other stages
//   are turned on or off. Children write their logs (pino JSON lines, `name` = stage) straight to ours.
//   A stage that exits is started again after a back-off (1 s, doubling to 30 s; back to 1 s once it was
//   healthy for a minute). `stop()` sends SIGTERM to every stage, SIGKILL after the grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';
import { STAGES, type StageName } from './run.ts';

export interface PipelineOptions {
  log: Logger;
  /** Stages to run; default: every stage the configuration turns on. */
  stages?: readonly StageName[];
  /** Added to each stage process's environment (e.g. `RMWATCH_CONFIG` of a generated configuration). */
  env?: NodeJS.ProcessEnv;
  /** First metrics port; default `observability.port`, else 9464. */
  basePort?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 15 s. */
  graceMs?: number;
  /** How long `ready` waits for every stage to be healthy before it rejects; default 180 s. */
  readyTimeoutMs?: number;
}

export interface StageProcess {
  name: StageName;
  pid: number | undefined;
  restarts: number;
  /** `http://127.0.0.1:<port>`: `/healthz` and `/metrics` (Prometheus text) of this stage. */
  metricsUrl: string;
}

export interface RunningPipeline {
  stages: readonly StageProcess[];
  /** Settles when every stage answers its health check. */
  ready: Promise<void>;
  /** Stops every stage (SIGTERM, then SIGKILL after a grace period) and waits for them. */
  stop(): Promise<void>;
}

export const DEFAULT_METRICS_BASE_PORT = 9464;
const CLI = fileURLToPath(new URL('./rmwatch.mjs', import.meta.url));
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Healthy this long, a stage counts as recovered: its next crash is retried quickly again. */
const RECOVERED_AFTER_MS = 60_000;
const HEALTH_POLL_MS = 1000;

/** The stages the configuration turns on, in the order they start. HTTP inputs are off until configured. */
export function stagesFor(config: ResolvedConfig): StageName[] {
  const syslog = config.collectors.syslog;
  return [
    ...(syslog.udp || syslog.tcp || syslog.tls ? (['syslog'] as const) : []),
    ...(config.collectors.windows.http ? (['windows'] as const) : []),
    ...(config.ledger.http ? (['ledger'] as const) : []),
    ...(config.audit.http ? (['audit-api'] as const) : []),
    ...(['normalize', 'evidence', 'correlate', 'index', 'retention', 'alerts', 'health'] as const),
  ];
}

/** The next restart delay: doubling from 1 s up to 30 s. */
export function nextBackoff(previousMs: number | undefined): number {
  return previousMs === undefined ? BACKOFF_FIRST_MS : Math.min(BACKOFF_MAX_MS, previousMs * 2);
}

interface Supervised {
  view: StageProcess;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  healthySince: number | undefined;
  lastReason: string;
  backoffMs: number | undefined;
  restartTimer: NodeJS.Timeout | undefined;
}

export function startPipeline(config: ResolvedConfig, options: PipelineOptions): Promise<RunningPipeline> {
  const { log } = options;
  const names = options.stages ?? stagesFor(config);
  const basePort = options.basePort ?? config.observability.port ?? DEFAULT_METRICS_BASE_PORT;
  const graceMs = options.graceMs ?? 15_000;
  // A wildcard listen address is reached through loopback.
  const host = ['0.0.0.0', '::', ''].includes(config.observability.host)
    ? '127.0.0.1'
    : config.observability.host;
  let stopping = false;

  const stages: Supervised[] = names.map((name) => ({
    view: {
      name,
      pid: undefined,
      restarts: 0,
      metricsUrl: `http://${host.includes(':') ? `[${host}]` : host}:${basePort + STAGES.indexOf(name)}`,
    },
    child: undefined,
    exited: Promise.resolve(),
    healthySince: undefined,
    lastReason: 'not started',
    backoffMs: undefined,
    restartTimer: undefined,
  }));

  const launch = (s: Supervised): void => {
    const port = Number(new URL(s.view.metricsUrl).port);
    const child = spawn(process.execPath, [CLI, 'run', s.view.name], {
      env: {
        ...process.env,
        ...options.env,
        RMWATCH_METRICS_PORT: String(port),
        RMWATCH_SUPERVISOR_PID: String(process.pid),
      },
      // A stage's stdout (its "running" line) goes to our stderr with its logs: the supervisor's own stdout
      // (`rmwatch start`'s table, the demo's summary) stays readable.
      stdio: ['ignore', 2, 'inherit'],
    });
    s.child = child;
    s.view.pid = child.pid;
    s.healthySince = undefined;
    s.lastReason = 'starting';
    const startedAt = Date.now();
    s.exited = new Promise<void>((resolve) => {
      let settled = false;
      const onExit = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (settled) return;
        settled = true;
        const wasHealthyFor = s.healthySince === undefined ? 0 : Date.now() - s.healthySince;
        s.child = undefined;
        s.view.pid = undefined;
        s.healthySince = undefined;
        s.lastReason = `exited (${signal ?? `code ${code}`})`;
        resolve();
        if (stopping) return;
        if (wasHealthyFor >= RECOVERED_AFTER_MS) s.backoffMs = undefined;
        s.backoffMs = nextBackoff(s.backoffMs);
        log.warn(
          {
            stage: s.view.name,
            code,
            signal,
            err: error,
            ranForMs: Date.now() - startedAt,
            restartInMs: s.backoffMs,
            restarts: s.view.restarts,
          },
          `stage ${s.view.name} ended; restarting it in ${s.backoffMs / 1000} s`,
        );
        s.restartTimer = setTimeout(() => {
          s.restartTimer = undefined;
          if (stopping) return;
          s.view.restarts += 1;
          launch(s);
        }, s.backoffMs);
      };
      child.once('exit', (code, signal) => onExit(code, signal));
      // Also emitted when a signal cannot be sent to a live child: only a child that never ran has ended.
      child.on('error', (err) => {
        if (child.pid === undefined) onExit(null, null, err);
        else log.warn({ err, stage: s.view.name }, `stage ${s.view.name}: ${err.message}`);
      });
    });
    log.info(
      { stage: s.view.name, pid: child.pid, metrics: s.view.metricsUrl },
      `stage ${s.view.name} started`,
    );
  };

  const probe = async (s: Supervised): Promise<void> => {
    const child = s.child;
    if (!child) return;
    let healthy = false;
    let reason: string;
    try {
      const answer = await fetch(`${s.view.metricsUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      healthy = answer.status === 200;
      const body = (await answer.json().catch(() => ({}))) as { reason?: unknown };
      reason = healthy ? 'healthy' : typeof body.reason === 'string' ? body.reason : `HTTP ${answer.status}`;
    } catch {
      reason = 'not answering on its metrics port';
    }
    // An answer that arrives after the process it asked about ended says nothing about its successor.
    if (s.child !== child) return;
    s.healthySince = healthy ? (s.healthySince ?? Date.now()) : undefined;
    s.lastReason = reason;
  };

  for (const s of stages) launch(s);
  const poller = setInterval(() => void Promise.all(stages.map(probe)), HEALTH_POLL_MS);

  let settleReady: ((error?: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
    const check = setInterval(() => {
      if (stages.every((s) => s.healthySince !== undefined)) settleReady?.();
      else if (Date.now() > deadline)
        settleReady?.(
          new Error(
            `not every stage became healthy: ${stages
              .filter((s) => s.healthySince === undefined)
              .map((s) => `${s.view.name} (${s.lastReason})`)
              .join(', ')}`,
          ),
        );
    }, 200);
    settleReady = (error) => {
      clearInterval(check);
      settleReady = undefined;
      if (error) reject(error);
      else resolve();
    };
  });
  // Callers that never look at `ready` must not get an unhandled rejection.
  ready.catch(() => undefined);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      clearInterval(poller);
      settleReady?.(new Error('the pipeline was stopped before every stage was healthy'));
      for (const s of stages) if (s.restartTimer) clearTimeout(s.restartTimer);
      await Promise.all(
        stages.map(async (s) => {
          const child = s.child;
          if (!child) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => {
            log.warn(
              { stage: s.view.name, pid: child.pid },
              `stage ${s.view.name} did not stop in time; killing it`,
            );
            child.kill('SIGKILL');
          }, graceMs);
          await s.exited;
          clearTimeout(killer);
        }),
      );
      log.info('every stage stopped');
    })());

  return Promise.resolve({ stages: stages.map((s) => s.view), ready, stop });
}

/** The stages as `rmwatch start` shows them: name, pid, where their health and metrics are served. */
export function formatStageTable(stages: readonly StageProcess[]): string {
  const rows: [string, string, string][] = [
    ['stage', 'pid', 'health and metrics'],
    ...stages.map((s): [string, string, string] => [
      s.name,
      String(s.pid ?? '-'),
      `${s.metricsUrl}/healthz, /metrics`,
    ]),
  ];
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const pidWidth = Math.max(...rows.map(([, pid]) => pid.length));
  return rows
    .map(([name, pid, url]) => `${name.padEnd(nameWidth)}  ${pid.padStart(pidWidth)}  ${url}`)
    .join('\n');
}
