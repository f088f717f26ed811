// Windows events shipped over HTTP (sent with curl, as Winlogbeat's or a script's HTTP output would) and
// through Winlogbeat's Kafka output land on the right raw topic, answered 202 only after Kafka took them.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forwardWindowsRecords,
  startWindowsCollector,
  type WindowsCollector,
} from '../../collectors/windows/collector.ts';
import { WindowsCollectorSettings } from '../../collectors/windows/settings.ts';
import { createMessageBus } from '../../infra/kafka.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { DeadLetter, fromHeaders } from '../../model/index.ts';
import { NORMALIZE_DIR } from '../support/fixtures.ts';
import { createHarness, kcat, type Harness, readTopic, setupNamespace } from '../support/harness.ts';

const TOKEN = 'test-token-0123456789abcdef';
let h: Harness;
let collector: WindowsCollector;
let inputTopic: string;

beforeAll(async () => {
  h = createHarness('windows');
  await setupNamespace(h);
  inputTopic = `${h.namespace}winlogbeat`;
  await h.bus.ensureTopics([{ name: inputTopic, partitions: 1, replicationFactor: 1, configs: {} }]);
  const windows = WindowsCollectorSettings.parse({
    http: { host: '127.0.0.1', port: 0 },
    tokens: [{ name: 'jump01-winlogbeat', token: TOKEN }],
    maxBodyBytes: 256 * 1024,
    kafkaInputs: [inputTopic],
  });
  collector = await startWindowsCollector({ ...h.config, collectors: { windows } }, h.bus, h.log);
});
afterAll(async () => {
  await collector.close();
  await h.cleanup();
});

function curl(args: string[], input?: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const i = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(i + 1)), body: out.slice(0, i) });
    });
    child.stdin.end(input ?? '');
  });
}
const post = (contentType: string, file: string, token = TOKEN) =>
  curl([
    '-X',
    'POST',
    `${collector.url}/v1/windows/events`,
    '-H',
    `authorization: Bearer ${token}`,
    '-H',
    `content-type: ${contentType}`,
    '--data-binary',
    `@${file}`,
  ]);

describe('Windows collector', () => {
  it('Winlogbeat NDJSON: 202, the logon on rm.raw.windows and the gateway event on rm.raw.rdgateway', async () => {
    const answer = await post('application/x-ndjson', `${NORMALIZE_DIR}/windows/test/winlogbeat.ndjson`);
    expect(answer).toEqual({ status: 202, body: '{"accepted":2,"deadLettered":0}' });
    const windows = await readTopic(h, topicName(h.config, TOPICS.rawWindows), 1);
    const gateway = await readTopic(h, topicName(h.config, TOPICS.rawRdGateway), 1);
    expect(windows[0]?.value?.toString()).toMatch(/"event_id": ?"4624"/);
    expect(windows[0]?.key).toBe('JUMP01.city.local');
    expect(gateway[0]?.value?.toString()).toMatch(/"event_id": ?303/);
    expect(fromHeaders(windows[0]?.headers ?? {})).toMatchObject({
      transport: 'http',
      format: 'winlogbeat',
      peer: '127.0.0.1',
    });
  });

  it('event XML: every <Event> becomes one raw record, routed by channel, bytes as sent', async () => {
    expect((await post('application/xml', `${NORMALIZE_DIR}/windows/test/security.xml`)).status).toBe(202);
    expect((await post('application/xml', `${NORMALIZE_DIR}/windows/test/rdgateway.xml`)).status).toBe(202);
    const windows = await readTopic(h, topicName(h.config, TOPICS.rawWindows), 1 + 13);
    const gateway = await readTopic(h, topicName(h.config, TOPICS.rawRdGateway), 1 + 10);
    expect(windows).toHaveLength(14);
    expect(gateway).toHaveLength(11);
    expect(windows.some((r) => r.value?.toString().includes('住民データ'))).toBe(true);
    expect(fromHeaders(gateway[1]?.headers ?? {}).format).toBe('evtxml');
  });

  it('no token, or a wrong one: 401, nothing stored', async () => {
    expect(
      (await post('application/xml', `${NORMALIZE_DIR}/windows/test/security.xml`, 'wrong-token-0123456789'))
        .status,
    ).toBe(401);
    const anonymous = await curl(['-X', 'POST', `${collector.url}/v1/windows/events`, '--data-binary', '{}']);
    expect(anonymous.status).toBe(401);
    expect(collector.counters.get('unauthorized')).toBe(2);
  });

  it('a body over the limit is refused with 413', async () => {
    const big = `${'{"x":"' + 'a'.repeat(1000) + '"}\n'}`.repeat(400);
    const answer = await curl(
      [
        '-X',
        'POST',
        `${collector.url}/v1/windows/events`,
        '-H',
        `authorization: Bearer ${TOKEN}`,
        '-H',
        'content-type: application/x-ndjson',
        '--data-binary',
        '@-',
      ],
      big,
    );
    expect(answer.status).toBe(413);
  });

  it('an event too large for one Kafka record goes to the dead-letter topic; the others of its batch are stored', async () => {
    const huge = Buffer.from(
      JSON.stringify({ winlog: { event_id: 4624, event_data: { x: 'a'.repeat(600_000) } } }),
    );
    const small = Buffer.from(
      JSON.stringify({
        '@timestamp': '2026-11-23T01:00:00Z',
        winlog: { event_id: 4634, computer_name: 'OVERSIZE01', channel: 'Security' },
      }),
    );
    const forwarded = await forwardWindowsRecords(h.config, h.bus, [small, huge], {
      received_at: '2026-11-23T01:00:01.000Z',
      peer: '10.20.0.77',
      transport: 'http',
      format: 'winlogbeat',
      timezone: 'Asia/Tokyo',
    });
    expect(forwarded).toEqual({ accepted: 1, deadLettered: 1 });
    const letters = (
      await readTopic(h, topicName(h.config, TOPICS.deadLetter), (all) =>
        all.some((r) => r.key?.toString() === '10.20.0.77'),
      )
    ).filter((r) => r.key?.toString() === '10.20.0.77');
    expect(letters).toHaveLength(1);
    const letter = DeadLetter.parse(JSON.parse(letters[0]?.value?.toString() ?? ''));
    expect(letter).toMatchObject({ stage: 'collector.windows', source: '10.20.0.77' });
    expect(letter.error).toMatch(/^record of \d+ bytes is over the 524288-byte limit/);
    expect(Buffer.from(letter.raw, 'base64')).toEqual(huge.subarray(0, 65536));
    const stored = await readTopic(h, topicName(h.config, TOPICS.rawWindows), (all) =>
      all.some((r) => r.key?.toString() === 'OVERSIZE01'),
    );
    expect(stored.filter((r) => r.key?.toString() === 'OVERSIZE01')).toHaveLength(1);
  });

  it('when Kafka cannot take the events the answer is 503, so the shipper sends them again', async () => {
    const deadBus = createMessageBus(
      { kafka: { ...h.config.kafka, brokers: ['127.0.0.1:9'], connectionTimeoutMs: 500 } },
      h.log,
      { produceRetries: 0 },
    );
    const windows = WindowsCollectorSettings.parse({
      http: { host: '127.0.0.1', port: 0 },
      tokens: [{ name: 't', token: TOKEN }],
    });
    const offline = await startWindowsCollector({ ...h.config, collectors: { windows } }, deadBus, h.log);
    try {
      const answer = await curl([
        '-X',
        'POST',
        `${offline.url}/v1/windows/events`,
        '-H',
        `authorization: Bearer ${TOKEN}`,
        '--data-binary',
        `@${NORMALIZE_DIR}/windows/test/winlogbeat.ndjson`,
      ]);
      expect(answer.status).toBe(503);
    } finally {
      await offline.close();
      await deadBus.close();
    }
  });

  it("Winlogbeat's Kafka output: events read from its topic are routed the same way", async () => {
    const event = JSON.stringify({
      '@timestamp': '2026-11-23T03:00:00.000Z',
      winlog: {
        channel: 'Microsoft-Windows-TerminalServices-Gateway/Operational',
        computer_name: 'RDGW01.city.local',
        event_id: 302,
        record_id: 999,
        user_data: { Username: 'CITY\\vnd_mori', IpAddress: '10.99.2.15', Resource: 'JUMP01' },
      },
    });
    await kcat(['-P', '-t', inputTopic], h.config, `${event}\n`);
    const gateway = await readTopic(h, topicName(h.config, TOPICS.rawRdGateway), (rs) =>
      rs.some((r) => r.value?.toString().includes('vnd_mori')),
    );
    const mine = gateway.find((r) => r.value?.toString().includes('vnd_mori'));
    expect(fromHeaders(mine?.headers ?? {})).toMatchObject({ transport: 'kafka', peer: inputTopic });
  });
});
