// The correlation stage against the real broker: raw device lines in (kcat and the adapter), through the
// normaliser, to sessions, findings, notices and reconciliations; a restart mid-scenario changes nothing
// and writes nothing twice.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Finding, Notice, Session, registryEntityId } from '../../model/index.ts';
import { startCorrelateStage, type CorrelateStage } from '../../processors/correlate/stage.ts';
import { startNormalizeStage, type NormalizeStage } from '../../processors/normalize/stage.ts';
import { approval, cityRegistry, visit } from '../support/city.ts';
import { createHarness, kcat, readTopic, setupNamespace, type Harness } from '../support/harness.ts';
import { sendRawLines } from '../support/pipeline.ts';
import { plus, Scenario, type RawLine } from '../support/scenario.ts';

let h: Harness;
const stages: { stop(): Promise<void> }[] = [];
beforeAll(async () => {
  h = createHarness('correlate');
  await setupNamespace(h);
});
afterAll(async () => {
  for (const s of stages) await s.stop().catch(() => undefined);
  await h.cleanup();
});

const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
const DAY = '2026-11-24';
/** Syslog lines through kcat, Windows events through the adapter (test/support/pipeline.ts). */
const send = (lines: readonly RawLine[]) => sendRawLines(h, lines, '2026-11-24T15:00:00.000Z');

async function startStages(): Promise<{ normalize: NormalizeStage; correlate: CorrelateStage }> {
  const normalize = await startNormalizeStage(h.config, h.bus, h.log);
  const correlate = await startCorrelateStage(h.config, h.bus, h.log);
  stages.push(normalize, correlate);
  return { normalize, correlate };
}

/** Waits until the correlator has committed everything the normaliser wrote. */
async function settled(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const end = await h.bus.topicEndOffsets(topic(TOPICS.events));
    const committed = await h.bus.committedOffsets(`${h.namespace}rmwatch.correlate`, topic(TOPICS.events));
    const done = [...committed.values()].reduce((n, o) => n + Math.max(0, Number(o)), 0);
    if (end > 0 && done >= end) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the correlator did not catch up');
}

const parsed = <T>(schema: { parse(v: unknown): T }, records: { value: Buffer | null }[]): T[] =>
  records
    .filter((r) => r.value !== null)
    .map((r) => schema.parse(JSON.parse((r.value as Buffer).toString('utf8'))));

describe('correlation stage', () => {
  it(
    'stitches, judges and reconciles through Kafka; a restart mid-scenario gives the same findings, none twice',
    { timeout: 240_000 },
    async () => {
      // The city: its registry and approvals on their compacted topics (approvals written by kcat).
      await h.bus.produce(
        topic(TOPICS.registry),
        cityRegistry().map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
      );
      const approvals = [
        approval({
          id: 'R-1',
          start: `${DAY} 09:00`,
          end: `${DAY} 12:00`,
          report: { start: `${DAY} 09:00`, end: `${DAY} 12:00`, targets: ['APP01'] },
        }),
        approval({
          id: 'R-2',
          start: `${DAY} 09:00`,
          end: `${DAY} 12:00`,
          operator: { id: 'op-sato', name: '佐藤花子', account: 'vnd_sato' },
        }),
      ];
      await kcat(
        ['-P', '-t', topic(TOPICS.approvals), '-K', '\t'],
        h.config,
        approvals.map((a) => `${a.id}\t${JSON.stringify(a)}`).join('\n') + '\n',
      );

      // Yamada's proper visit; Sato connects an hour early and copies a file; someone guesses passwords.
      const first = visit(new Scenario(), { at: `${DAY} 09:01` });
      const second = visit(new Scenario(), {
        at: `${DAY} 08:00`,
        user: 'vnd_sato',
        from: '203.0.113.6',
        assigned: '10.99.0.13',
        logonId: '0x4b',
      }).shareFile(`${DAY} 08:20`, 'APP01.city.local', {
        user: 'vnd_sato',
        logonId: '0x4b1',
        from: '10.20.0.5',
        path: '住民データ\\export.csv',
      });
      for (let i = 0; i < 5; i++)
        second.asaLoginFailure(plus(`${DAY} 10:14`, i), { user: 'hoshu', from: '192.0.2.66' });

      const { correlate } = await startStages();
      // The Windows events of Sato's visit come before the router's lines, as when the shippers differ.
      await send(first.lines);
      await settled();
      // Mid-scenario: the correlator is stopped and a new one takes over the same group.
      await correlate.stop();
      await send(second.lines);
      const again = await startCorrelateStage(h.config, h.bus, h.log);
      stages.push(again);
      await settled();
      // Garbage on rm.events goes to the dead letters, not into a crash.
      await kcat(['-P', '-t', topic(TOPICS.events), '-k', 'x'], h.config, 'not an event\n');
      await settled();

      const findings = parsed(
        Finding,
        await readTopic(h, topic(TOPICS.findings), (r) => r.length >= 4, 30_000),
      );
      const active = new Map(findings.map((f) => [f.id, f]));
      const rules = [...active.values()]
        .filter((f) => f.status === 'active')
        .map((f) => `${f.rule}${f.subject ? `:${f.subject}` : ''}`)
        .sort();
      expect(rules).toEqual(['auth_failure_burst:burst', 'file_transfer:share', 'out_of_window']);
      // No version of a finding was written twice.
      const versions = findings.map((f) => JSON.stringify({ ...f, updated_at: '' }));
      expect(new Set(versions).size).toBe(versions.length);

      const sessions = new Map(
        parsed(Session, await readTopic(h, topic(TOPICS.sessions), (r) => r.length >= 3, 30_000)).map((s) => [
          s.id,
          s,
        ]),
      );
      const yamada = [...sessions.values()].find((s) => s.vpn_user === 'vnd_yamada');
      expect(yamada).toMatchObject({
        status: 'closed',
        layers: ['vpn', 'gateway', 'jump', 'target'],
        approval_id: 'R-1',
        findings: [],
      });
      const sato = [...sessions.values()].find((s) => s.vpn_user === 'vnd_sato');
      expect(sato?.approval_id).toBeUndefined();

      const notices = parsed(Notice, await readTopic(h, topic(TOPICS.notices), 4, 30_000));
      expect(notices.filter((n) => n.session_id === yamada?.id).map((n) => [n.kind, n.approval_id])).toEqual([
        ['session_start', 'R-1'],
        ['session_end', 'R-1'],
      ]);
      const letters = await readTopic(h, topic(TOPICS.deadLetter), 1, 30_000);
      expect(JSON.parse(letters[0]?.value?.toString() ?? '{}')).toMatchObject({
        stage: 'correlate',
        error: expect.stringMatching(/^not JSON/),
      });
    },
  );

  it('an approval revoked while the stage runs turns a later session of its operator out of window', async () => {
    const revoked = approval({
      id: 'R-9',
      start: `${DAY} 13:00`,
      end: `${DAY} 18:00`,
      operator: { id: 'op-suzuki', name: '鈴木一郎', account: 'vnd_suzuki' },
      vendor: 'vendor-b',
      status: 'revoked',
      revokedAt: `${DAY} 14:00`,
    });
    await h.bus.produce(topic(TOPICS.approvals), [{ key: revoked.id, value: JSON.stringify(revoked) }]);
    await send(
      visit(new Scenario(), {
        at: `${DAY} 14:30`,
        user: 'vnd_suzuki',
        from: '198.51.100.2',
        assigned: '10.99.0.14',
        logonId: '0x5c',
      }).lines,
    );
    const findings = parsed(
      Finding,
      await readTopic(
        h,
        topic(TOPICS.findings),
        (r) => r.some((x) => x.value?.toString().includes('R-9') === true),
        60_000,
      ),
    );
    expect(
      findings.find((f) => f.rule === 'out_of_window' && f.message_en.includes('R-9'))?.message_en,
    ).toMatch(/was revoked/);
  });

  it('events waiting on several partitions are judged together, in one piece of work, and all committed', async () => {
    const city = createHarness('correlate-together');
    await setupNamespace(city);
    try {
      await city.bus.produce(
        topicName(city.config, TOPICS.registry),
        cityRegistry().map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
      );
      const normalize = await startNormalizeStage(city.config, city.bus, city.log);
      stages.push(normalize);
      const s = new Scenario();
      const users = ['vnd_ito', 'vnd_kato', 'vnd_kimura', 'vnd_mori', 'vnd_ogawa', 'vnd_ueda'];
      users.forEach((user, i) =>
        visit(s, { at: `${DAY} 1${i}:00`, user, from: `203.0.113.${20 + i}`, assigned: `10.99.0.${20 + i}` }),
      );
      await sendRawLines(city, s.lines, '2026-11-24T15:00:00.000Z');
      const eventsTopic = topicName(city.config, TOPICS.events);
      const events = await readTopic(city, eventsTopic, s.lines.length, 60_000);
      expect(events).toHaveLength(s.lines.length);
      const partitions = new Set(events.map((e) => e.partition));
      expect(partitions.size).toBeGreaterThan(1);

      const correlate = await startCorrelateStage(city.config, city.bus, city.log);
      stages.push(correlate);
      const group = `${city.namespace}rmwatch.correlate`;
      const deadline = Date.now() + 60_000;
      let committed = 0;
      while (committed < events.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        const offsets = await city.bus.committedOffsets(group, eventsTopic);
        committed = [...offsets.values()].reduce((n, o) => n + Math.max(0, Number(o)), 0);
      }
      expect(committed).toBe(events.length);
      expect(correlate.counters.get('events')).toBe(events.length);
      expect(correlate.counters.get('batches')).toBe(1);
      // Judged once, each session is written once.
      const written = correlate.counters.get('sessions_written');
      const sessions = await readTopic(city, topicName(city.config, TOPICS.sessions), written, 30_000);
      expect(new Set(sessions.map((r) => r.key)).size).toBe(written);
      await correlate.stop();
    } finally {
      await city.cleanup();
    }
  });

  it('a correlator that starts before the registry names a jump terminal says so, and says when it arrives', async () => {
    const city = createHarness('correlate-gaps');
    await setupNamespace(city);
    const said: { level: number; msg: string; gap?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void said.push(JSON.parse(l) as never) });
    const gapLines = () => said.filter((l) => l.gap === 'no_jump_terminal');
    try {
      const correlate = await startCorrelateStage(city.config, city.bus, log);
      stages.push(correlate);
      await until(() => gapLines().length === 1);
      expect(gapLines()[0]).toMatchObject({ level: 40 });
      expect(gapLines()[0]?.msg).toMatch(/relayed by the jump terminal/);

      await city.bus.produce(
        topicName(city.config, TOPICS.registry),
        cityRegistry().map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
      );
      await until(() => gapLines().length === 2);
      expect(gapLines()[1]).toMatchObject({ level: 30, msg: 'the registry gap is filled' });
      await correlate.stop();
    } finally {
      await city.cleanup();
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('not said within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
