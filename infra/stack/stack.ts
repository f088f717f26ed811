// The embedded local stack: `up` starts what the configuration does not point elsewhere (reusing what
// already answers), waits until both servers are healthy; `down` stops only what `up` started.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config.ts';
import { createSearchStore } from '../elasticsearch.ts';
import { createMessageBus } from '../kafka.ts';
import type { Logger } from '../logger.ts';
import {
  elasticsearchDir,
  elasticsearchPid,
  startElasticsearch,
  stopElasticsearch,
} from './elasticsearch-node.ts';
import { kafkaPid, startKafka, stopKafka } from './kafka-broker.ts';
import { isOurProcess, sleep } from './processes.ts';

export type Component = 'kafka' | 'elasticsearch';

export interface ComponentStatus {
  component: Component;
  endpoint: string;
  embedded: boolean;
  /** Pid when the embedded stack started it and it is alive. */
  pid?: number;
  reachable: boolean;
}

export interface UpResult {
  started: Component[];
  reused: Component[];
  seconds: number;
  elasticsearchVersion: string;
}

export async function stackUp(config: ResolvedConfig, log: Logger): Promise<UpResult> {
  const begun = Date.now();
  mkdirSync(config.stack.dir, { recursive: true });
  const result = await withStackLock(config.stack.dir, async () => {
    const started: Component[] = [];
    const reused: Component[] = [];
    const starting: Promise<unknown>[] = [];
    if (config.stack.embeddedKafka) {
      if (kafkaPid(config.stack) !== undefined || (await portOpen(config.stack.kafkaPort)))
        reused.push('kafka');
      else {
        started.push('kafka');
        starting.push(startKafka(config.stack, log));
      }
    }
    if (config.stack.embeddedElasticsearch) {
      if (elasticsearchPid(config.stack) !== undefined || (await portOpen(config.stack.elasticsearchPort)))
        reused.push('elasticsearch');
      else {
        started.push('elasticsearch');
        starting.push(startElasticsearch(config.stack, log));
      }
    }
    // Both start side by side; a failure of one still leaves the other to be stopped by `down`.
    const outcomes = await Promise.allSettled(starting);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return { started, reused };
  });

  const timeoutMs = config.stack.startTimeoutSeconds * 1000;
  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  try {
    const [, es] = await Promise.all([bus.waitUntilReady(timeoutMs), store.waitUntilReady(timeoutMs)]);
    const seconds = Math.round((Date.now() - begun) / 100) / 10;
    log.info({ ...result, seconds, elasticsearch: es.version }, 'stack ready');
    return { ...result, seconds, elasticsearchVersion: es.version };
  } finally {
    await Promise.all([bus.close(), store.close()]);
  }
}

/** Stops the embedded servers this stack started (by pid); leaves anything else alone. */
export async function stackDown(
  config: ResolvedConfig,
  log: Logger,
  only?: readonly Component[],
): Promise<Component[]> {
  const stopped: Component[] = [];
  const wanted = (c: Component) => only === undefined || only.includes(c);
  const stops: Promise<void>[] = [];
  if (wanted('kafka')) stops.push(stopKafka(config.stack).then((s) => void (s && stopped.push('kafka'))));
  if (wanted('elasticsearch'))
    stops.push(stopElasticsearch(config.stack).then((s) => void (s && stopped.push('elasticsearch'))));
  await Promise.all(stops);
  log.info({ stopped }, stopped.length > 0 ? 'stack stopped' : 'nothing of ours was running');
  return stopped;
}

export async function stackStatus(config: ResolvedConfig): Promise<ComponentStatus[]> {
  const kafkaEndpoint = config.kafka.brokers[0] ?? '';
  const [host = '127.0.0.1', port = '0'] = kafkaEndpoint.split(/:(?=\d+$)/);
  const esUrl = new URL(config.elasticsearch.url);
  return [
    {
      component: 'kafka',
      endpoint: config.kafka.brokers.join(','),
      embedded: config.stack.embeddedKafka,
      pid: config.stack.embeddedKafka ? kafkaPid(config.stack) : undefined,
      reachable: await portOpen(Number(port), host),
    },
    {
      component: 'elasticsearch',
      endpoint: config.elasticsearch.url,
      embedded: config.stack.embeddedElasticsearch,
      pid: config.stack.embeddedElasticsearch ? elasticsearchPid(config.stack) : undefined,
      reachable: await portOpen(
        Number(esUrl.port || (esUrl.protocol === 'https:' ? 443 : 80)),
        esUrl.hostname,
      ),
    },
  ];
}

export function formatStatus(config: ResolvedConfig, statuses: readonly ComponentStatus[]): string {
  const lines = statuses.map((s) => {
    const who = !s.embedded
      ? 'external'
      : s.pid !== undefined
        ? `embedded, pid ${s.pid}`
        : 'embedded, not started by rmwatch';
    return `${s.component.padEnd(13)} ${s.reachable ? 'up  ' : 'down'}  ${s.endpoint}  (${who})`;
  });
  lines.push(`stack folder: ${config.stack.dir}; Elasticsearch data: ${elasticsearchDir(config.stack)}`);
  lines.push(`download cache: ${config.stack.cacheDir}`);
  return lines.join('\n');
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Serialises concurrent `up`s of one stack folder (a test run and `npm start`, say). */
async function withStackLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'up.lock');
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSafe(lock));
      if (!Number.isInteger(holder) || holder <= 0 || !isOurProcess(holder, 'node'))
        rmSync(lock, { force: true });
      else await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
