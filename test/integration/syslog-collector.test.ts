// VPN routers' syslog, sent by the real `logger` client, arrives in Kafka intact and in order.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyslogCollector } from '../../collectors/syslog/collector.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { DeadLetter, fromHeaders } from '../../model/index.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { NORMALIZE_DIR } from '../support/fixtures.ts';
import { createHarness, type Harness, readFrames, readTopic, setupNamespace } from '../support/harness.ts';
import { startCollector } from '../support/syslog.ts';

let h: Harness;
let collector: SyslogCollector;
let udpPort: number;
let tcpPort: number;
let raw: string;

beforeAll(async () => {
  h = createHarness('syslog');
  await setupNamespace(h);
  ({ collector, udpPort, tcpPort } = await startCollector(h, { maxFrameBytes: 4096 }));
  raw = topicName(h.config, TOPICS.rawSyslog);
});
afterAll(async () => {
  await collector.close();
  await h.cleanup();
});

/** `logger` from util-linux, reading one message per line from stdin. */
function logger(args: string[], input: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('logger', ['-n', '127.0.0.1', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`logger ${args.join(' ')}: ${stderr}`)),
    );
    // A logger that could not connect exits before reading its input; its exit code says so.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const ASA = (i: number) =>
  `%ASA-6-722051: Group <GroupPolicy_vendor> User <vnd_yamada> IP <203.0.113.5> IPv4 Address <10.99.0.${i}> IPv6 address <::> assigned to session`;
const text = (r: { value: Buffer | null }) => r.value?.toString('utf8') ?? '';

describe('syslog collector', () => {
  it('TCP with LF framing: every line arrives, in order, with its receive metadata', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => ASA(i));
    await logger(['-P', String(tcpPort), '-T', '--rfc3164', '-t', 'asa01'], `${lines.join('\n')}\n`);
    const got = (await readFrames(h, raw, 200)).filter((r) => text(r).includes('asa01'));
    expect(got.map((r) => text(r).replace(/^.*asa01: /, ''))).toEqual(lines);
    const meta = fromHeaders(got[0]?.headers ?? {});
    expect(meta).toMatchObject({
      peer: '127.0.0.1',
      transport: 'tcp',
      charset: 'utf-8',
      format: 'syslog',
      timezone: 'Asia/Tokyo',
    });
    expect(Date.now() - Date.parse(meta.received_at)).toBeLessThan(120_000);
    expect(got[0]?.key).toBe('127.0.0.1');
  });

  it('TCP with octet counting (RFC 6587) and RFC 5424 structured data', async () => {
    await logger(
      [
        '-P',
        String(tcpPort),
        '-T',
        '--octet-count',
        '--rfc5424',
        '-t',
        'fgt01',
        '--sd-id',
        'meta@32473',
        '--sd-param',
        'seq="7"',
      ],
      'multi word message with "quotes" and ] bracket\n',
    );
    const got = (await readFrames(h, raw, 201)).filter((r) => text(r).includes('fgt01'));
    expect(got).toHaveLength(1);
    expect(text(got[0] as { value: Buffer })).toMatch(
      /^<\d+>1 \S+ \S+ fgt01 .*\[meta@32473 seq="7"\] multi word message with "quotes" and \] bracket$/,
    );
  });

  it('UDP: one datagram, one record', async () => {
    await logger(
      ['-P', String(udpPort), '-d', '--rfc3164', '-t', 'rtx01'],
      "PP[ANONYMOUS01] Call detected from user 'vnd_suzuki'\n",
    );
    const got = (await readFrames(h, raw, 202)).filter((r) => text(r).includes('rtx01'));
    expect(got.map(text)[0]).toMatch(/rtx01: PP\[ANONYMOUS01\] Call detected from user 'vnd_suzuki'$/);
    expect(fromHeaders(got[0]?.headers ?? {}).transport).toBe('udp');
  });

  it('Windows events in Snare format, relayed by a syslog daemon, arrive with their tabs and normalise', async () => {
    // The fixture's Snare records without their syslog header; `logger` puts its own (and a tag) in front,
    // and is told that Snare's long lines are fine (it cuts at 1 KiB by default).
    const records = readFileSync(`${NORMALIZE_DIR}/windows/test/snare-over-syslog.log`, 'utf8')
      .split('\n')
      .map((l) => /MSWinEventLog\t.*$/.exec(l)?.[0])
      .filter((l): l is string => l !== undefined && l.split('\t').length >= 14);
    await logger(
      ['-P', String(tcpPort), '-T', '--rfc3164', '--size', '4000', '-t', 'snare'],
      `${records.join('\n')}\n`,
    );
    const isSnare = (r: { value: Buffer | null }) => text(r).includes('snare: MSWinEventLog\t');
    const got = (await readFrames(h, raw, (all) => all.filter(isSnare).length >= records.length)).filter(
      isSnare,
    );
    expect(got.map((r) => text(r).replace(/^.*?snare: /, ''))).toEqual(records);
    const normalizer = new Normalizer();
    const actions = got.map((r) => {
      const result = normalizer.normalize({
        bytes: r.value ?? Buffer.alloc(0),
        meta: fromHeaders(r.headers),
      });
      return result.ok ? result.events[0]?.event.action : result.error;
    });
    expect(actions).toEqual([
      'rdp_logon',
      'explicit_credentials',
      'device_redirection',
      'share_file_access',
      'rdp_disconnect',
      'rdp_reconnect',
      'rdp_logoff',
      'logon_failure',
      'rdp_auth_success',
      'rdp_logon',
      'gateway_connect',
      'gateway_disconnect',
      'rdp_logon',
    ]);
  });

  it('Shift_JIS text from an older device is kept byte for byte and marked as Shift_JIS', async () => {
    // "<134>Nov 23 10:00:00 rtx02 保守ログイン" with the Japanese in Shift_JIS.
    const sjis = Buffer.concat([
      Buffer.from('<134>Nov 23 10:00:00 rtx02 '),
      Buffer.from([0x95, 0xdb, 0x8e, 0xe7, 0x83, 0x8d, 0x83, 0x4f, 0x83, 0x43, 0x83, 0x93]),
      Buffer.from('\n'),
    ]);
    const { createConnection } = await import('node:net');
    await new Promise<void>((resolve) => {
      const s = createConnection(tcpPort, '127.0.0.1', () => s.end(sjis, resolve));
    });
    const got = (await readFrames(h, raw, 203)).filter((r) => r.value?.includes(Buffer.from('rtx02')));
    expect(got[0]?.value).toEqual(sjis.subarray(0, sjis.length - 1));
    expect(fromHeaders(got[0]?.headers ?? {}).charset).toBe('shift_jis');
  });

  it('a frame over the size limit goes to the dead-letter topic with its first bytes, and the connection goes on', async () => {
    const huge = `${'x'.repeat(10_000)}`;
    await logger(
      ['-P', String(tcpPort), '-T', '--rfc3164', '-t', 'big01', '--size', '20000'],
      `${huge}\nafter the big one\n`,
    );
    const letters = await readTopic(h, topicName(h.config, TOPICS.deadLetter), 1);
    const letter = DeadLetter.parse(JSON.parse(text(letters[0] as { value: Buffer })));
    expect(letter.stage).toBe('collector.syslog');
    expect(letter.error).toMatch(/longer than 4096 bytes/);
    expect(Buffer.from(letter.raw, 'base64')).toHaveLength(4096);
    const after = (await readFrames(h, raw, 204)).filter((r) => text(r).includes('big01'));
    expect(after.map(text)).toHaveLength(1);
    expect(text(after[0] as { value: Buffer })).toMatch(/after the big one$/);
    expect(collector.counters.get('oversize')).toBe(1);
  });

  it('a receiver thread that dies is restarted on the same port, and the lines sent after it arrive', async () => {
    const tcp = collector.listeners.find((l) => l.transport === 'tcp');
    const before = tcp?.thread();
    await before?.terminate();
    const deadline = Date.now() + 20_000;
    while (tcp?.thread() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(tcp?.address().port).toBe(tcpPort);
    expect(collector.counters.get('receiver_failures')).toBeGreaterThanOrEqual(1);
    // The new thread may still be binding: the sender retries as a router would.
    for (let attempt = 0; ; attempt++) {
      try {
        await logger(['-P', String(tcpPort), '-T', '-t', 'revived01'], 'after the restart\n');
        break;
      } catch (err) {
        if (attempt > 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const got = (await readFrames(h, raw, 205)).filter((r) => text(r).includes('revived01'));
    expect(got.map(text)).toEqual([expect.stringMatching(/after the restart$/)]);
  });

  it('a sender outside the allow-list is counted and dropped', async () => {
    const { collector: strict, tcpPort: strictPort } = await startCollector(h, {
      allow: ['192.0.2.0/24'],
      udp: null,
    });
    try {
      await logger(['-P', String(strictPort), '-T', '-t', 'intruder'], 'should not pass\n').catch(
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(strict.counters.get('denied')).toBeGreaterThanOrEqual(1);
      expect(strict.counters.get('received')).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
