// Every rule through real Kafka: each rule's scenario and its near-miss twin, as device lines (kcat and
// the adapter) through the normaliser and the correlation stage. Each scenario has a day of its own, so
// one run of the pipeline carries them all without one scenario's sessions touching another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Finding, Session, registryEntityId, toHeaders } from '../../model/index.ts';
import { startCorrelateStage } from '../../processors/correlate/stage.ts';
import { startNormalizeStage } from '../../processors/normalize/stage.ts';
import { cityRegistry, REGISTRY_YAML } from '../support/city.ts';
import { approvalsOf, CASES, dayOf } from '../support/rule-cases.ts';
import { createHarness, kcat, readTopic, setupNamespace, type Harness } from '../support/harness.ts';
import { Scenario, type RawLine } from '../support/scenario.ts';
import { tokyoDay } from '../../model/tokyo-time.ts';

let h: Harness;
const running: { stop(): Promise<void> }[] = [];
beforeAll(async () => {
  h = createHarness('rules');
  await setupNamespace(h);
});
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => undefined);
  await h.cleanup();
});

function meta(line: RawLine) {
  return toHeaders({
    received_at: '2026-12-31T15:00:00.000Z',
    peer: line.device,
    transport: line.format === 'syslog' ? 'udp' : 'http',
    charset: 'utf-8',
    format: line.format,
    timezone: 'Asia/Tokyo',
  });
}

describe('every rule through Kafka, with its near-miss twin', () => {
  it('fires exactly where it should', { timeout: 300_000 }, async () => {
    const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
    const frozenSince = `${dayOf(CASES.length - 1)}T00:00:00Z`;
    const registry = cityRegistry(
      REGISTRY_YAML.replace(
        '{ id: vendor-b, name: 北見システム株式会社, frozen: false,',
        `{ id: vendor-b, name: 北見システム株式会社, frozen: true, frozen_reason: 事故調査中, frozen_since: "${frozenSince}",`,
      ),
    );
    await h.bus.produce(
      topic(TOPICS.registry),
      registry.map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
    );
    const approvals = CASES.flatMap((c, i) => approvalsOf(dayOf(i), c.report !== false));
    await h.bus.produce(
      topic(TOPICS.approvals),
      approvals.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
    );

    const lines = CASES.flatMap((c, i) => {
      const s = new Scenario();
      c.build(dayOf(i), s);
      return s.lines;
    });
    // Router lines by kcat, one run of them per call; Windows events through the adapter.
    const syslog = lines.filter((l) => l.format === 'syslog');
    const headers = Object.entries(meta(syslog[0] as RawLine)).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    await kcat(
      ['-P', '-t', topic(TOPICS.rawSyslog), '-k', 'asa01', ...headers],
      h.config,
      syslog.map((l) => `${l.text}\n`).join(''),
    );
    await h.bus.produce(
      topic(TOPICS.rawWindows),
      lines
        .filter((l) => l.format === 'evtxml')
        .map((l) => ({ key: l.device, value: l.text, headers: meta(l) })),
    );
    // The Windows events of every day are in Kafka before the routers' lines of the first: generous lateness.
    const config = { ...h.config, correlate: { ...h.config.correlate, latenessSeconds: 60 * 86_400 } };
    running.push(
      await startNormalizeStage(h.config, h.bus, h.log),
      await startCorrelateStage(config, h.bus, h.log),
    );

    const expected = new Set(CASES.map((c, i) => `${dayOf(i)} ${c.rule}`));
    const seen = (records: { value: Buffer | null }[]) =>
      records.map((r) => Finding.parse(JSON.parse(r.value?.toString() ?? '{}')));
    let findings: Finding[] = [];
    let sessions: Session[] = [];
    const deadline = Date.now() + 240_000;
    // Until every positive case has its finding (the negative ones are checked against the same state).
    for (;;) {
      findings = seen(await readTopic(h, topic(TOPICS.findings), () => false, 3000));
      sessions = (await readTopic(h, topic(TOPICS.sessions), () => false, 3000)).map((r) =>
        Session.parse(JSON.parse(r.value?.toString() ?? '{}')),
      );
      const startDay = new Map(sessions.map((s) => [s.id, tokyoDay(s.start)]));
      const latest = new Map(findings.map((f) => [f.id, f]));
      const got = new Set(
        [...latest.values()]
          .filter((f) => f.status === 'active')
          .map((f) => `${startDay.get(f.session_id) ?? '?'} ${f.rule}${f.subject ? `:${f.subject}` : ''}`),
      );
      const outcome = CASES.map((c, i) => ({
        case: `${c.rule} — ${c.name}`,
        fires: got.has(`${dayOf(i)} ${c.rule}`),
      }));
      const positivesIn = CASES.every((c, i) => !c.fires || got.has(`${dayOf(i)} ${c.rule}`));
      if (positivesIn || Date.now() > deadline) {
        expect(outcome).toEqual(CASES.map((c) => ({ case: `${c.rule} — ${c.name}`, fires: c.fires })));
        break;
      }
    }
    expect(expected.size).toBe(CASES.length);
  });
});
