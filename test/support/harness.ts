// What integration tests share: a configuration in a namespace of their own (so test files never see each
// other's topics and indices), the real command-line clients, and clean-up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig, type ResolvedConfig } from '../../infra/config.ts';
import { createSearchStore, type SearchStore } from '../../infra/elasticsearch.ts';
import { createMessageBus, type IncomingRecord, type MessageBus } from '../../infra/kafka.ts';
import { unpackFrames } from '../../model/frames.ts';
import { toHeaders } from '../../model/raw.ts';
import { runSetup } from '../../infra/setup.ts';
import { createLogger, type Logger } from '../../infra/logger.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Harness {
  namespace: string;
  config: ResolvedConfig;
  log: Logger;
  bus: MessageBus;
  store: SearchStore;
  /** Environment for child processes (the CLI) that puts them in this harness's namespace. */
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export function createHarness(label: string): Harness {
  const namespace = `t-${label}-${randomBytes(3).toString('hex')}.`;
  const env = { ...process.env, RMWATCH_NAMESPACE: namespace, RMWATCH_LOG_LEVEL: 'warn' };
  const config = loadConfig({ env });
  const log = createLogger(process.env.RMWATCH_LOG_LEVEL ?? 'warn', `test-${label}`);
  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  return {
    namespace,
    config,
    log,
    bus,
    store,
    env,
    async cleanup() {
      await store.deleteIndices(`${namespace}*`).catch(() => undefined);
      await store.deleteIndexTemplates(`${namespace}*`).catch(() => undefined);
      const topics = (await kcat(['-L', '-J'], config)).stdout;
      const names = (JSON.parse(topics) as { topics: { topic: string }[] }).topics
        .map((t) => t.topic)
        .filter((t) => t.startsWith(namespace));
      await bus.deleteTopics(names).catch(() => undefined);
      await Promise.all([bus.close(), store.close()]);
    },
  };
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for output that need not be UTF-8. */
  stdoutBytes: Buffer;
}

function run(
  command: string,
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: REPO_ROOT });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    // A client that exits before reading all its input (kcat on an error) must not crash the test run.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code: code ?? -1,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** kcat, the real Kafka command-line client, against the configured brokers. */
export async function kcat(args: readonly string[], config: ResolvedConfig, input?: string): Promise<Output> {
  const result = await run('kcat', ['-b', config.kafka.brokers.join(','), ...args], {
    input,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`kcat ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result;
}

/** curl against the configured Elasticsearch; returns the parsed JSON answer. */
export async function esCurl(
  config: ResolvedConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const args = [
    '-sS',
    '-X',
    method,
    `${config.elasticsearch.url}${path}`,
    '-H',
    'content-type: application/json',
  ];
  if (body !== undefined) args.push('--data-binary', '@-');
  const result = await run('curl', args, { input: body === undefined ? undefined : JSON.stringify(body) });
  if (result.code !== 0) throw new Error(`curl ${method} ${path} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

export interface ApiAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  raw: Buffer;
  text: string;
  /** The answer parsed as JSON; undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are inspected field by field
  body: any;
}

/** curl against an HTTP API, as any client calls it; the body is sent from stdin. */
export function curlApi(
  url: string,
  method: string,
  options: { token?: string; type?: string; body?: string | Buffer } = {},
): Promise<ApiAnswer> {
  const args = ['-sS', '-D', '-', '-o', '-', '-X', method, url];
  if (options.token) args.push('-H', `authorization: Bearer ${options.token}`);
  if (options.body !== undefined)
    args.push('-H', `content-type: ${options.type ?? 'application/json'}`, '--data-binary', '@-');
  return run('curl', args, { input: options.body ?? '' }).then(({ code, stderr, stdoutBytes }) => {
    if (code !== 0) throw new Error(`curl ${method} ${url} failed (${code}): ${stderr}`);
    // -D - writes each response's head before the body: skip interim ones (100 Continue on large uploads).
    let rest = stdoutBytes;
    let head: string[];
    for (;;) {
      const split = rest.indexOf('\r\n\r\n');
      head = rest.subarray(0, split).toString('latin1').split('\r\n');
      rest = rest.subarray(split + 4);
      if (!/^HTTP\/\S+ 1\d\d\b/.test(head[0] ?? '')) break;
    }
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const text = rest.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: Number(head[0]?.split(' ')[1]), headers, raw: rest, text, body };
  });
}

/** The rmwatch command line, as a user runs it. */
export function rmwatch(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Output> {
  return run(process.execPath, ['cli/rmwatch.mjs', ...args], { env, timeoutMs: 300_000 });
}

export async function setupNamespace(h: Harness): Promise<void> {
  await runSetup(h.config, h.bus, h.store);
}

/**
 * Reads `topic` from the beginning, in a group of its own, until `done` says so (a count of records, or a
 * predicate over what was read) or `timeoutMs` passed.
 */
export async function readTopic(
  h: Harness,
  topic: string,
  done: number | ((records: readonly IncomingRecord[]) => boolean),
  timeoutMs = 60_000,
): Promise<IncomingRecord[]> {
  const seen: IncomingRecord[] = [];
  const consumption = await h.bus.consume({
    groupId: `${topic}.reader.${Math.random().toString(36).slice(2)}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => void seen.push(...batch.records),
  });
  const deadline = Date.now() + timeoutMs;
  const finished = typeof done === 'number' ? () => seen.length >= done : () => done(seen);
  while (!finished() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumption.stop();
  return seen;
}

/** One frame of the raw syslog topic, shaped as a record of its own: its bytes and its own receive metadata. */
export interface RawFrameRecord {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads a raw topic as frames (a batch of syslog frames counts as its frames, model/frames.ts), until `done`
 * says so (a count of frames, or a predicate over them) or `timeoutMs` passed.
 */
export async function readFrames(
  h: Harness,
  topic: string,
  done: number | ((frames: readonly RawFrameRecord[]) => boolean),
  timeoutMs = 60_000,
): Promise<RawFrameRecord[]> {
  const framesIn = (records: readonly IncomingRecord[]): RawFrameRecord[] =>
    records.flatMap((r) =>
      unpackFrames(r.value ?? Buffer.alloc(0), r.headers).map(({ bytes, meta }) => ({
        key: r.key,
        value: bytes,
        headers: toHeaders(meta),
      })),
    );
  const finished =
    typeof done === 'number'
      ? (records: readonly IncomingRecord[]) => framesIn(records).length >= done
      : (records: readonly IncomingRecord[]) => done(framesIn(records));
  return framesIn(await readTopic(h, topic, finished, timeoutMs));
}
