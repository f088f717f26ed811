// The whole pipeline as deployed, for the end-to-end benchmark: a configuration of its own (a fresh
// namespace, the collectors on free ports), `rmwatch setup`'s topics and indices, and every stage on the
// data path as its own process (`node cli/rmwatch.mjs run <stage>`). Stopping sends SIGTERM, as an operator
// would, and waits for each stage to finish what it holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadRegistryCommand } from '../collectors/ledger/commands.ts';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { runSetup } from '../infra/setup.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { BENCH_REGISTRY_YAML } from './e2e-traffic.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The stages raw input passes through on its way to a searchable finding, plus the lag sampler. */
export const DATA_PATH_STAGES = [
  'syslog',
  'windows',
  'normalize',
  'correlate',
  'index',
  'evidence',
  'health',
] as const;
export type DataPathStage = (typeof DATA_PATH_STAGES)[number];

export interface RunningPipeline {
  namespace: string;
  config: ResolvedConfig;
  syslogPort: number;
  windowsUrl: string;
  token: string;
  pids: Record<DataPathStage, number>;
  /** Stages that exited while the pipeline ran (a crash: nobody restarts them here), in order. */
  exits: StageExit[];
  stop(): Promise<void>;
  /** Deletes the namespace's topics, indices and templates. */
  remove(): Promise<void>;
}

export interface StageExit {
  stage: DataPathStage;
  at: number;
  code: number | null;
  signal: string | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function started(child: ChildProcess, stage: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${stage} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${stage} exited with ${code} while starting`));
    });
  });
}

function stopped(child: ChildProcess, graceMs = 60_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startPipeline(
  base: ResolvedConfig,
  log: Logger,
  label: string,
): Promise<RunningPipeline> {
  const namespace = `bench-e2e-${label}-${randomBytes(3).toString('hex')}.`;
  const config: ResolvedConfig = { ...base, namespace };
  const work = join(tmpdir(), `rmwatch-${namespace.slice(0, -1)}`);
  mkdirSync(work, { recursive: true });
  const syslogPort = await freePort();
  const windowsPort = await freePort();
  const token = randomBytes(24).toString('hex');
  const configFile = join(work, 'rmwatch.yaml');
  writeFileSync(
    configFile,
    stringify({
      namespace,
      kafka: { brokers: base.kafka.brokers },
      elasticsearch: { url: base.elasticsearch.url },
      log: { level: 'warn' },
      collectors: {
        syslog: {
          udp: null,
          tcp: { host: '127.0.0.1', port: syslogPort },
          journal: { dir: join(work, 'journal') },
        },
        windows: {
          http: { host: '127.0.0.1', port: windowsPort },
          tokens: [{ name: 'bench-e2e', token }],
        },
      },
    }),
  );

  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  try {
    await runSetup(config, bus, store);
  } finally {
    await Promise.all([bus.close(), store.close()]);
  }
  // The city's registry, loaded as an operator loads it (`rmwatch registry load`), before any stage starts.
  const registryFile = join(work, 'registry.yaml');
  writeFileSync(registryFile, BENCH_REGISTRY_YAML);
  const refused: string[] = [];
  const loaded = await loadRegistryCommand(
    config,
    log,
    registryFile,
    { write: () => true },
    {
      write: (text: string) => refused.push(text),
    },
  );
  if (loaded !== 0) throw new Error(`the benchmark's registry was refused: ${refused.join('')}`);

  // The stages read only their configuration file: overrides meant for the benchmark stay out of them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RMWATCH_')));
  const flags = stageFlags(process.env.RMWATCH_BENCH_STAGE_FLAGS);
  const children = new Map<DataPathStage, ChildProcess>();
  const exits: StageExit[] = [];
  let stopping = false;
  try {
    for (const stage of DATA_PATH_STAGES) {
      const child = spawn(
        process.execPath,
        [...(flags.get(stage) ?? []), join(ROOT, 'cli', 'rmwatch.mjs'), '--config', configFile, 'run', stage],
        {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.set(stage, child);
      child.once('exit', (code, signal) => {
        if (!stopping) exits.push({ stage, at: Date.now(), code, signal });
      });
      await started(child, stage);
    }
  } catch (err) {
    await Promise.all([...children.values()].map((c) => stopped(c)));
    throw err;
  }
  const pids = Object.fromEntries([...children].map(([stage, c]) => [stage, c.pid ?? 0])) as Record<
    DataPathStage,
    number
  >;
  return {
    namespace,
    config,
    syslogPort,
    windowsUrl: `http://127.0.0.1:${windowsPort}/v1/windows/events`,
    token,
    pids,
    exits,
    // Collectors first, so nothing new arrives while the processors finish their batches.
    async stop() {
      stopping = true;
      for (const stage of DATA_PATH_STAGES) {
        const child = children.get(stage);
        if (child) await stopped(child);
      }
    },
    async remove() {
      const cleanupBus = createMessageBus(config, log);
      const cleanupStore = createSearchStore(config, log);
      try {
        await cleanupStore.deleteIndices(`${namespace}*`).catch(() => undefined);
        await cleanupStore.deleteIndexTemplates(`${namespace}*`).catch(() => undefined);
        await cleanupBus
          .deleteTopics(Object.values(TOPICS).map((t) => topicName(config, t)))
          .catch(() => undefined);
      } finally {
        await Promise.all([cleanupBus.close(), cleanupStore.close()]);
      }
    },
  };
}

/**
 * RMWATCH_BENCH_STAGE_FLAGS: node flags for some stages, to see where their time goes, e.g.
 * `correlate=--cpu-prof --cpu-prof-dir=/tmp/prof;normalize=--cpu-prof --cpu-prof-dir=/tmp/prof`.
 * A stage name that is not one (a typo) is refused rather than profile nothing after a 20-minute run.
 */
export function stageFlags(text: string | undefined): Map<DataPathStage, string[]> {
  const flags = new Map<DataPathStage, string[]>();
  for (const part of (text ?? '').split(';')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const stage = DATA_PATH_STAGES.find((s) => s === part.slice(0, Math.max(0, at)).trim());
    if (!stage)
      throw new Error(
        `RMWATCH_BENCH_STAGE_FLAGS: ${JSON.stringify(part)} is not <stage>=<flags> with a stage of ${DATA_PATH_STAGES.join(', ')}`,
      );
    flags.set(
      stage,
      part
        .slice(at + 1)
        .split(' ')
        .filter(Boolean),
    );
  }
  return flags;
}
