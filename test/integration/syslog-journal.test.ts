// Kafka goes away while syslog keeps arriving: the collector journals to disk and replays in order.
// A broker of the test's own (own ports, own stack folder) is stopped and started; the shared one is left alone.
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type ResolvedConfig } from '../../infra/config.ts';
import { createMessageBus, type MessageBus } from '../../infra/kafka.ts';
import { stackDown, stackUp } from '../../infra/stack/stack.ts';
import { TOPICS, topicName, topicSpecs } from '../../infra/topics.ts';
import { createHarness, type Harness, readFrames } from '../support/harness.ts';
import { startCollector } from '../support/syslog.ts';

let h: Harness;
let config: ResolvedConfig;
let admin: MessageBus;

beforeAll(async () => {
  const shared = createHarness('journal');
  const env = {
    ...shared.env,
    RMWATCH_STACK_DIR: mkdtempSync(join(tmpdir(), 'rmwatch-journal-stack-')),
    // Apart from the default stack (19092) and the fault suite's (28092), which is up during this run too.
    RMWATCH_KAFKA_PORT: '28592',
    RMWATCH_KAFKA_CONTROLLER_PORT: '28593',
    RMWATCH_ES_URL: shared.config.elasticsearch.url,
  };
  await shared.cleanup();
  config = loadConfig({ env });
  const up = await stackUp(config, shared.log);
  // A broker found already listening would be someone else's, and stopping "ours" would stop nothing.
  if (!up.started.includes('kafka'))
    throw new Error(`port ${config.stack.kafkaPort} is taken: this test needs a broker it can stop`);
  h = { ...shared, config, bus: createMessageBus(config, shared.log) };
  admin = h.bus;
  await admin.ensureTopics(topicSpecs(config));
});
afterAll(async () => {
  await admin?.close();
  await h.store.close();
  if (config) await stackDown(config, h.log);
});

/** One TCP connection sending lines numbered within the run `tag`, `perTick` at a time, until `total`. */
async function sendNumbered(
  tag: string,
  port: number,
  total: number,
  perTick: number,
  onTick: (sent: number) => Promise<void>,
) {
  const socket = createConnection(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  for (let sent = 0; sent < total;) {
    const lines: string[] = [];
    for (let i = 0; i < perTick && sent < total; i++, sent++)
      lines.push(
        `<134>Nov 23 10:00:00 asa01 %ASA-6-113039: Group <VPN> User <vnd_${sent}> IP <203.0.113.5> AnyConnect parent session started. run=${tag} seq=${sent}`,
      );
    socket.write(`${lines.join('\n')}\n`);
    await onTick(sent);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise<void>((r) => socket.end(r));
}

describe('syslog collector when Kafka is unavailable', () => {
  it('spools to the journal and replays every record in order when Kafka returns', async () => {
    const { collector, tcpPort } = await startCollector(h, {
      udp: null,
      forwarder: { retryInitialMs: 200, retryMaxMs: 1000 },
    });
    const total = 3000;
    let stopped = false;
    await sendNumbered('outage', tcpPort, total, 50, async (sent) => {
      if (sent === 1000 && !stopped) {
        stopped = true;
        await stackDown(config, h.log, ['kafka']);
      }
    });
    // Everything after the outage began goes to disk, not memory, once a produce has failed.
    await vi.waitFor(() => expect(collector.counters.get('journal_appended')).toBeGreaterThan(0), {
      timeout: 30_000,
      interval: 200,
    });

    await stackUp(config, h.log);
    await collector.forwarder.flush();
    expect(collector.counters.get('journal_replayed')).toBeGreaterThan(0);
    await collector.close();

    const records = await readFrames(h, topicName(config, TOPICS.rawSyslog), total, 120_000);
    const seqs = records.map((r) => Number(/run=outage seq=(\d+)$/.exec(r.value?.toString() ?? '')?.[1]));
    // No loss, and within the sender no reordering. (A batch Kafka took just as it went down can come twice;
    // its event ids are the same, so it is stored once downstream.)
    const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i);
    expect(firstSeen).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(collector.counters.get('journal_dropped')).toBe(0);
  });

  it('when the journal is full, the configured policy drops records and counts them', async () => {
    await stackDown(config, h.log, ['kafka']);
    const { collector, tcpPort } = await startCollector(h, {
      udp: null,
      journal: {
        dir: mkdtempSync(join(tmpdir(), 'rmwatch-full-journal-')),
        maxBytes: 64 * 1024,
        segmentBytes: 16 * 1024,
        whenFull: 'drop-oldest',
      },
      forwarder: { retryInitialMs: 100, retryMaxMs: 200, lingerMs: 1 },
    });
    await sendNumbered('full', tcpPort, 2000, 100, async () => undefined);
    await vi.waitFor(
      () => {
        expect(collector.counters.get('received')).toBe(2000);
        expect(collector.counters.get('journal_dropped')).toBeGreaterThan(0);
        expect(collector.forwarder.queued).toBe(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    const dropped = collector.counters.get('journal_dropped');
    await stackUp(config, h.log);
    await collector.forwarder.flush();
    await collector.close();
    // What was not dropped arrives; the newest records are among it (drop-oldest).
    const all = await readFrames(
      h,
      topicName(config, TOPICS.rawSyslog),
      (rs) => rs.some((r) => r.value?.toString().endsWith('run=full seq=1999')),
      30_000,
    );
    const seqs = all
      .map((r) => /run=full seq=(\d+)$/.exec(r.value?.toString() ?? '')?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number);
    expect(new Set(seqs).size).toBe(2000 - dropped);
    expect(seqs).toContain(1999);
    expect(seqs).not.toContain(0);
  });
});
