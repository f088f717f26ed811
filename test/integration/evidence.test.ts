// The raw evidence store against the real broker and Elasticsearch: every raw record kept with its exact
// bytes and linked from its events, nothing twice across a redelivery and a restart, and `rmwatch verify`
// finding a record altered or deleted behind the pipeline's back.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import {
  CanonicalEvent,
  DeadLetter,
  packFrames,
  toHeaders,
  type ReceiveMetadata,
} from '../../model/index.ts';
import { rawRecords } from '../../processors/evidence/records.ts';
import { startEvidenceStage, type EvidenceStage } from '../../processors/evidence/stage.ts';
import type { VerifyReport } from '../../processors/evidence/verify.ts';
import { splitXmlEvents } from '../../processors/normalize/files.ts';
import { startNormalizeStage, type NormalizeStage } from '../../processors/normalize/stage.ts';
import { NORMALIZE_DIR } from '../support/fixtures.ts';
import {
  createHarness,
  esCurl,
  kcat,
  readTopic,
  rmwatch,
  setupNamespace,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
const running: (EvidenceStage | NormalizeStage)[] = [];
beforeAll(async () => {
  h = createHarness('evidence');
  await setupNamespace(h);
});
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
  await h.cleanup();
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const meta = (over: Partial<ReceiveMetadata> = {}): ReceiveMetadata => ({
  received_at: '2026-11-24T00:58:40.000Z',
  peer: '192.0.2.10',
  peer_port: 514,
  transport: 'udp',
  charset: 'utf-8',
  format: 'syslog',
  timezone: 'Asia/Tokyo',
  ...over,
});
const headerArgs = (m: ReceiveMetadata) =>
  Object.entries(toHeaders(m)).flatMap(([k, v]) => ['-H', `${k}=${v}`]);

// A FortiGate line from an older device: "SSL VPN トンネル確立" in Shift_JIS inside the message.
const SJIS_LINE = Buffer.concat([
  Buffer.from(
    '<189>date=2026-11-24 time=09:30:01 devname="FGT-CITY01" devid="FG100F" logid="0101039424" type="event" subtype="vpn" action="tunnel-up" remip=203.0.113.20 tunnelip=10.99.0.31 user="vnd_tanaka" msg="',
  ),
  Buffer.from('SSL VPN ', 'latin1'),
  Buffer.from([0x83, 0x67, 0x83, 0x93, 0x83, 0x6c, 0x83, 0x8b, 0x8a, 0x6d, 0x97, 0xa7]),
  Buffer.from('"'),
]);

/** The bus, except that its first produce fails after Elasticsearch took the batch: the batch comes again. */
function failingOnce(bus: MessageBus): MessageBus {
  let failed = false;
  return {
    ...bus,
    async produce(topic, records) {
      if (!failed) {
        failed = true;
        throw new Error('injected: the dead-letter produce failed');
      }
      await bus.produce(topic, records);
    },
  };
}

interface StoredRecord {
  id: string;
  chain: string;
  seq: number;
  raw?: string;
  raw_base64?: string;
}

describe('raw evidence', () => {
  it('keeps every raw record exactly, linked from its events, once, in intact chains that verify checks', async () => {
    const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
    const alias = indexName(h.config, 'evidence');
    const rawTopics = [TOPICS.rawSyslog, TOPICS.rawWindows, TOPICS.rawRdGateway].map(topic);
    /** The group has committed everything the raw topics hold. */
    const caughtUp = async (group: string): Promise<boolean> => {
      for (const t of rawTopics) {
        const committed = [...(await h.bus.committedOffsets(group, t)).values()];
        const at = committed.reduce((sum, offset) => sum + Math.max(0, Number(offset)), 0);
        if (at < (await h.bus.topicEndOffsets(t))) return false;
      }
      return true;
    };
    const storedRecords = async (): Promise<StoredRecord[]> => {
      await h.store.refresh(alias);
      const result = await h.store.search(alias, {
        query: { term: { entry: 'record' } },
        sort: [{ chain: 'asc' }, { seq: 'asc' }],
        size: 1000,
      });
      return result.hits as unknown as StoredRecord[];
    };

    // Phase 1: VPN router lines by kcat (one record per line), a Shift_JIS line (one file, one record), a
    // batch of frames straddling midnight Tokyo time at a month's end, and a record without headers.
    const asaLines = readFileSync(`${NORMALIZE_DIR}/cisco-asa/test/anyconnect-session.log`, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const asa = ['-P', '-t', topic(TOPICS.rawSyslog), '-k', '192.0.2.10', ...headerArgs(meta())];
    await kcat(asa, h.config, `${asaLines.slice(0, 6).join('\n')}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'rmwatch-evidence-'));
    writeFileSync(join(dir, 'sjis.log'), SJIS_LINE);
    await kcat(
      [
        '-P',
        '-t',
        topic(TOPICS.rawSyslog),
        '-k',
        '192.0.2.30',
        ...headerArgs(meta({ peer: '192.0.2.30', charset: 'shift_jis' })),
        join(dir, 'sjis.log'),
      ],
      h.config,
    );
    const frames = [
      '<166>Nov 30 2026 23:59:59 asa02 : %ASA-6-113039: Group <GP> User <vnd_a> IP <203.0.113.7> AnyConnect parent session started.',
      '<166>Dec  1 2026 00:00:00 asa02 : %ASA-6-113039: Group <GP> User <vnd_b> IP <203.0.113.8> AnyConnect parent session started.',
      '<166>Dec  1 2026 00:00:01 asa02 : %ASA-6-113039: Group <GP> User <vnd_c> IP <203.0.113.9> AnyConnect parent session started.',
    ];
    const batch = packFrames(
      {
        peer: '192.0.2.20',
        peer_port: 514,
        transport: 'udp',
        format: 'syslog',
        timezone: 'Asia/Tokyo',
      },
      frames.map((line, i) => ({
        bytes: Buffer.from(line),
        receivedAtMs: Date.parse('2026-11-30T14:59:59.500Z') + i * 1000,
        charset: 'utf-8' as const,
      })),
    );
    await h.bus.produce(topic(TOPICS.rawSyslog), [{ key: '192.0.2.20', ...batch }]);
    await kcat(['-P', '-t', topic(TOPICS.rawSyslog)], h.config, 'no headers at all\n');
    const phase1 = 6 + 1 + frames.length;

    const normalizer = await startNormalizeStage(h.config, h.bus, h.log);
    running.push(normalizer);

    // The first batch is written to Elasticsearch, then its commit fails: it comes again and is skipped.
    const first = await startEvidenceStage(h.config, failingOnce(h.bus), h.store, h.log);
    running.push(first);
    await until(async () => (await storedRecords()).length >= phase1);
    // A fetch's partitions are written as one piece, so everything may be stored before the failed piece's
    // records come again: the stage stops only after they did.
    await until(() => first.counters.get('already_stored') > 0);
    await first.stop();
    expect(first.counters.get('failed_batches')).toBe(1);
    expect(first.counters.get('already_stored')).toBeGreaterThan(0);
    expect(await storedRecords()).toHaveLength(phase1);

    // Phase 2, with the stage stopped: the rest of the router's lines and Windows events; then a restart.
    await kcat(asa, h.config, `${asaLines.slice(6).join('\n')}\n`);
    const xml = splitXmlEvents(readFileSync(`${NORMALIZE_DIR}/windows/test/security.xml`)).slice(0, 4);
    await h.bus.produce(
      topic(TOPICS.rawWindows),
      xml.map((value) => ({
        key: 'JUMP01',
        value,
        headers: toHeaders(meta({ transport: 'http', format: 'evtxml', peer: '10.20.0.5' })),
      })),
    );
    const total = phase1 + (asaLines.length - 6) + xml.length;
    const second = await startEvidenceStage(h.config, h.bus, h.store, h.log);
    running.push(second);
    await until(async () => (await storedRecords()).length >= total);
    await second.stop();
    // The router's lines and the Windows events, waiting on two topics, were written as one piece of work.
    expect(second.counters.get('batches')).toBe(1);

    // Each raw record once; each chain numbered 1, 2, … without gaps, across the redelivery and the restart.
    const stored = await storedRecords();
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((r) => r.id)).size).toBe(total);
    const seqs = new Map<string, number[]>();
    for (const r of stored) seqs.set(r.chain, [...(seqs.get(r.chain) ?? []), r.seq]);
    expect(Object.fromEntries(seqs)).toEqual({
      'syslog/192.0.2.10/2026-11-24': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      // The chain's month is its Tokyo day's: 2026-11-30 and 2026-12-01 live in different indices.
      'syslog/192.0.2.20/2026-11-30': [1],
      'syslog/192.0.2.20/2026-12-01': [1, 2],
      'syslog/192.0.2.30/2026-11-24': [1],
      'windows/JUMP01/2026-11-24': [1, 2, 3, 4],
    });
    expect(await h.store.listIndices(`${alias}-*`)).toEqual(
      expect.arrayContaining([`${alias}-2026.11`, `${alias}-2026.12`]),
    );

    // The record without receive metadata is a dead letter of the evidence stage, bytes and all.
    const letters = await readTopic(h, topic(TOPICS.deadLetter), (records) =>
      records.some((r) => r.value?.toString().includes('"stage":"evidence"')),
    );
    const letter = letters
      .map((r) => DeadLetter.parse(JSON.parse(r.value?.toString() ?? '')))
      .find((l) => l.stage === 'evidence');
    expect(letter?.error).toMatch(/^receive metadata header rm-received-at/);
    expect(Buffer.from(letter?.raw ?? '', 'base64').toString()).toBe('no headers at all');

    // Every event the normaliser made names its raw record, and the record holds the exact bytes.
    await until(() => caughtUp(`${h.namespace}rmwatch.normalize`));
    const eventCount = normalizer.counters.get('events');
    const events = (await readTopic(h, topic(TOPICS.events), eventCount)).map((r) =>
      CanonicalEvent.parse(JSON.parse(r.value?.toString() ?? '')),
    );
    expect(events).toHaveLength(eventCount);
    const raws = await rawRecords(
      h.store,
      h.config,
      events.map((e) => e.raw?.id ?? 'none'),
    );
    for (const e of events) expect(raws.has(e.raw?.id ?? 'none')).toBe(true);
    const rawOf = (match: (e: CanonicalEvent) => boolean) => raws.get(events.find(match)?.raw?.id ?? 'none');
    expect(rawOf((e) => e['@timestamp'] === '2026-11-23T00:58:40.000Z')?.text).toBe(asaLines[0]);
    for (const [i, user] of ['vnd_a', 'vnd_b', 'vnd_c'].entries())
      expect(rawOf((e) => e.user?.name === user)?.text).toBe(frames[i]);
    const sjis = rawOf((e) => e.user?.name === 'vnd_tanaka');
    expect(Buffer.from(sjis?.base64 ?? '', 'base64').equals(SJIS_LINE)).toBe(true);
    expect(sjis?.text).toBeUndefined();
    expect(sjis?.decoded).toContain('msg="SSL VPN トンネル確立"');
    expect(sjis).toMatchObject({
      charset: 'shift_jis',
      peer: '192.0.2.30',
      chain: 'syslog/192.0.2.30/2026-11-24',
    });

    // Intact: verify says so, exit 0.
    const intact = await rmwatch(['verify'], h.env);
    expect(intact.stderr).toBe('');
    expect(intact.stdout).toContain(`chains: 5, records checked: ${total}, broken chains: 0`);
    expect(intact.code).toBe(0);

    // Someone edits a router line in place.
    const victim = stored.find((r) => r.chain === 'syslog/192.0.2.10/2026-11-24' && r.seq === 4);
    await esCurl(h.config, 'POST', `/${alias}-2026.11/_update/${victim?.id}?refresh=true`, {
      doc: { raw: 'nothing happened here' },
    });
    // And someone deletes the first record after midnight.
    const gone = stored.find((r) => r.chain === 'syslog/192.0.2.20/2026-12-01' && r.seq === 1);
    await esCurl(h.config, 'DELETE', `/${alias}-2026.12/_doc/${gone?.id}?refresh=true`);

    const broken = await rmwatch(['verify'], h.env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      `BROKEN syslog/192.0.2.10/2026-11-24 seq 4: altered record (hash mismatch) [${victim?.id}]`,
    );
    expect(broken.stdout).toContain('BROKEN syslog/192.0.2.20/2026-12-01 seq 1: missing record (seq gap)');
    expect(broken.stdout).toContain('broken chains: 2');

    // Narrowed to one source and day, as JSON.
    const one = await rmwatch(
      ['verify', '--source', '192.0.2.20', '--from', '2026-12-01', '--to', '2026-12-01', '--json'],
      h.env,
    );
    expect(one.code).toBe(1);
    const report = JSON.parse(one.stdout) as VerifyReport;
    expect(report).toMatchObject({ chains: 1, records: 0, broken: 1 });
    expect(report.verdicts[0]).toMatchObject({
      chain: 'syslog/192.0.2.20/2026-12-01',
      broken: { kind: 'missing', seq: 1 },
    });
    const other = await rmwatch(['verify', '--source', '192.0.2.30'], h.env);
    expect(other.code).toBe(0);

    // A bad day is a usage error, not a verdict.
    expect((await rmwatch(['verify', '--from', '2026-13-01'], h.env)).code).toBe(2);
  });
});
