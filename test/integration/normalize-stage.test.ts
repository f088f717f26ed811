// The normaliser stage against the real broker: raw records in (written by kcat and by the adapter),
// canonical events and dead letters out, counts exact, nothing twice after a restart.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { CanonicalEvent, DeadLetter, toHeaders, type ReceiveMetadata } from '../../model/index.ts';
import { splitXmlEvents } from '../../processors/normalize/files.ts';
import { startNormalizeStage } from '../../processors/normalize/stage.ts';
import { NORMALIZE_DIR } from '../support/fixtures.ts';
import { createHarness, kcat, type Harness, readTopic, setupNamespace } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('normalize');
  await setupNamespace(h);
});
afterAll(async () => {
  await h.cleanup();
});

const meta = (over: Partial<ReceiveMetadata>): ReceiveMetadata => ({
  received_at: '2026-11-23T15:00:00.000Z',
  peer: '192.0.2.10',
  peer_port: 514,
  transport: 'udp',
  charset: 'utf-8',
  format: 'syslog',
  timezone: 'Asia/Tokyo',
  ...over,
});

describe('normaliser stage', () => {
  it('turns raw records into canonical events, dead-letters the rest with reasons, and commits only once', async () => {
    const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
    // Syslog from a VPN router, written by the real kcat client with the collector's headers.
    const asaLines = readFileSync(`${NORMALIZE_DIR}/cisco-asa/test/anyconnect-session.log`, 'utf8');
    const headerArgs = Object.entries(toHeaders(meta({}))).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    await kcat(['-P', '-t', topic(TOPICS.rawSyslog), '-k', '192.0.2.10', ...headerArgs], h.config, asaLines);
    // Windows events from the HTTP collector's path.
    const xmlEvents = splitXmlEvents(readFileSync(`${NORMALIZE_DIR}/windows/test/security.xml`));
    await h.bus.produce(
      topic(TOPICS.rawWindows),
      xmlEvents.map((value) => ({
        key: 'JUMP01',
        value,
        headers: toHeaders(meta({ transport: 'http', format: 'evtxml', peer: '10.20.0.5' })),
      })),
    );
    // Bad input, each a dead letter: random bytes, no receive metadata, truncated XML, JSON of the wrong shape.
    await h.bus.produce(topic(TOPICS.rawSyslog), [
      { key: 'x', value: randomBytes(64), headers: toHeaders(meta({ charset: 'binary' })) },
    ]);
    await kcat(['-P', '-t', topic(TOPICS.rawSyslog)], h.config, 'no headers at all\n');
    await h.bus.produce(topic(TOPICS.rawWindows), [
      {
        key: 'x',
        value: xmlEvents[0]?.subarray(0, 120) ?? null,
        headers: toHeaders(meta({ format: 'evtxml' })),
      },
      { key: 'x', value: '{"hello":"world"}', headers: toHeaders(meta({ format: 'winlogbeat' })) },
    ]);

    const stage = await startNormalizeStage(h.config, h.bus, h.log);
    const events = await readTopic(h, topic(TOPICS.events), 23);
    const letters = await readTopic(h, topic(TOPICS.deadLetter), 4);
    await stage.stop();

    expect(events).toHaveLength(23);
    const parsed = events.map((r) => CanonicalEvent.parse(JSON.parse(r.value?.toString() ?? '')));
    expect(parsed.filter((e) => e.event.dataset === 'vpn.cisco_asa')).toHaveLength(10);
    expect(parsed.filter((e) => e.event.dataset === 'windows.security')).toHaveLength(13);
    // Keyed by the normalized account.
    expect(events.find((r) => r.value?.toString().includes('vnd_yamada'))?.key).toBe('vnd_yamada');

    const reasons = letters.map((r) => DeadLetter.parse(JSON.parse(r.value?.toString() ?? '')));
    // Across partitions the order is not fixed; the reasons are.
    expect(reasons.map((l) => l.error).sort()).toEqual([
      expect.stringMatching(/^malformed event XML/),
      'not a Winlogbeat event: @timestamp: Invalid input: expected string, received undefined',
      'not text: neither UTF-8 nor Shift_JIS',
      'receive metadata header rm-received-at: Invalid input: expected string, received undefined',
    ]);
    expect(reasons.every((l) => l.stage === 'normalize' && l.origin !== undefined)).toBe(true);
    const binary = reasons.find((l) => l.error.startsWith('not text'));
    expect(Buffer.from(binary?.raw ?? '', 'base64')).toHaveLength(64);
    expect(stage.counters.snapshot()).toMatchObject({ records: 27, events: 23, dead_letters: 4 });

    // A restart resumes after the committed offsets: nothing is produced twice.
    const again = await startNormalizeStage(h.config, h.bus, h.log);
    await new Promise((r) => setTimeout(r, 6000));
    await again.stop();
    expect(again.counters.get('records')).toBe(0);
  });
});
