// Bad input through the collectors and the normaliser: nothing crashes, nothing is silently dropped, and
// every bad record reaches the dead-letter topic with its reason and raw bytes. Counts are exact.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyslogCollector } from '../../collectors/syslog/collector.ts';
import { startWindowsCollector, type WindowsCollector } from '../../collectors/windows/collector.ts';
import { WindowsCollectorSettings } from '../../collectors/windows/settings.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { CanonicalEvent, DeadLetter } from '../../model/index.ts';
import { startNormalizeStage, type NormalizeStage } from '../../processors/normalize/stage.ts';
import { createHarness, type Harness, readTopic, setupNamespace } from '../support/harness.ts';
import { startCollector } from '../support/syslog.ts';

const TOKEN = 'bad-input-token-0123456789';
let h: Harness;
let syslog: SyslogCollector;
let windows: WindowsCollector;
let normalizer: NormalizeStage;
let tcpPort: number;

beforeAll(async () => {
  h = createHarness('badinput');
  await setupNamespace(h);
  ({ collector: syslog, tcpPort } = await startCollector(h, { udp: null }));
  windows = await startWindowsCollector(
    {
      ...h.config,
      collectors: {
        windows: WindowsCollectorSettings.parse({
          http: { host: '127.0.0.1', port: 0 },
          tokens: [{ name: 't', token: TOKEN }],
        }),
      },
    },
    h.bus,
    h.log,
  );
  normalizer = await startNormalizeStage(h.config, h.bus, h.log);
});
afterAll(async () => {
  await normalizer.stop();
  await windows.close();
  await syslog.close();
  await h.cleanup();
});

function sendTcp(chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection(tcpPort, '127.0.0.1', () => socket.end(Buffer.concat(chunks), resolve));
  });
}

// "SSL VPN トンネル確立" in Shift_JIS, inside an otherwise ordinary FortiGate line.
const SJIS_MSG = Buffer.from([
  0x53, 0x53, 0x4c, 0x20, 0x56, 0x50, 0x4e, 0x20, 0x83, 0x67, 0x83, 0x93, 0x83, 0x6c, 0x83, 0x8b, 0x8a, 0x6d,
  0x97, 0xa7,
]);

describe('bad input', () => {
  it('is dead-lettered with reasons and exact counts, while good records on the same connections go through', async () => {
    const line = (s: string) => Buffer.from(`${s}\n`);
    const asa = (i: number) =>
      line(
        `<166>Nov 23 2026 09:58:4${i} asa01 : %ASA-6-113039: Group <GP> User <vnd_${i}> IP <203.0.113.${i}> AnyConnect parent session started.`,
      );
    const random = Buffer.concat([
      Buffer.from([0xff]),
      Buffer.from([...randomBytes(999)].map((b) => (b === 0x0a || b === 0x0d ? 0x20 : b))),
      Buffer.from('\n'),
    ]);
    const oneMegabyte = line(`<134>Nov 23 10:00:00 asa01 ${'A'.repeat(1024 * 1024)}`);
    const invalidUtf8 = Buffer.concat([
      Buffer.from('<134>Nov 23 10:00:00 fgt01 '),
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.from(' text\n'),
    ]);
    const shiftJis = Buffer.concat([
      Buffer.from(
        '<189>date=2026-11-23 time=09:30:01 devname="FGT-CITY01" devid="FG100F" logid="0101039424" type="event" subtype="vpn" action="tunnel-up" remip=203.0.113.20 tunnelip=10.99.0.31 user="vnd_tanaka" msg="',
      ),
      SJIS_MSG,
      Buffer.from('"\n'),
    ]);
    await sendTcp([
      asa(1),
      random,
      asa(2),
      oneMegabyte,
      asa(3),
      invalidUtf8,
      shiftJis,
      line('<999>not a priority'),
      asa(4),
      asa(5),
    ]);

    const post = (type: string, body: string) =>
      fetch(`${windows.url}/v1/windows/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type },
        body,
      });
    expect(
      (await post('application/xml', '<Events><Event xmlns="x"><System><EventID>4624</EventID><Channel>Secu'))
        .status,
    ).toBe(202);
    expect(
      (await post('application/x-ndjson', '{"winlog":{"event_id":"x"}}\n{"message":"not an event"}\n'))
        .status,
    ).toBe(202);

    const events = await readTopic(h, topicName(h.config, TOPICS.events), 6);
    const letters = await readTopic(h, topicName(h.config, TOPICS.deadLetter), 7);
    // Settle, then read everything again: exactly these, nothing more.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await readTopic(h, topicName(h.config, TOPICS.events), 7, 5000)).toHaveLength(6);
    expect(await readTopic(h, topicName(h.config, TOPICS.deadLetter), 8, 5000)).toHaveLength(7);

    const parsed = events.map((r) => CanonicalEvent.parse(JSON.parse(r.value?.toString() ?? '')));
    expect(parsed.filter((e) => e.event.dataset === 'vpn.cisco_asa')).toHaveLength(5);
    // Shift_JIS from an older device: decoded, Japanese intact.
    expect(parsed.find((e) => e.event.dataset === 'vpn.fortigate')?.message).toContain(
      'msg="SSL VPN トンネル確立"',
    );

    const reasons = letters.map((r) => DeadLetter.parse(JSON.parse(r.value?.toString() ?? '')));
    const byStage = (stage: string) =>
      reasons
        .filter((l) => l.stage === stage)
        .map((l) => l.error)
        .sort();
    expect(byStage('collector.syslog')).toEqual([expect.stringMatching(/frame longer than 65536 bytes/)]);
    expect(byStage('normalize')).toEqual([
      'PRI 999 is out of range (0–191)',
      expect.stringMatching(/^malformed event XML|^event XML without/),
      'not a Winlogbeat event: @timestamp: Invalid input: expected string, received undefined',
      'not a Winlogbeat event: @timestamp: Invalid input: expected string, received undefined',
      'not text: neither UTF-8 nor Shift_JIS',
      'not text: neither UTF-8 nor Shift_JIS',
    ]);
    const randomLetter = reasons.find((l) => Buffer.from(l.raw, 'base64')[0] === 0xff);
    expect(Buffer.from(randomLetter?.raw ?? '', 'base64')).toEqual(random.subarray(0, random.length - 1));
    expect(syslog.counters.snapshot()).toMatchObject({ received: 10, oversize: 1 });
    expect(normalizer.counters.snapshot()).toMatchObject({ records: 12, events: 6, dead_letters: 6 });
  });
});
