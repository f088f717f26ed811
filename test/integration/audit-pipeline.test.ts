// A day of the city through the whole pipeline (device lines → normaliser, evidence store, correlator →
// index sink → Elasticsearch) and back out through the auditors' query layer: every filter finds exactly the
// sessions the day implies, findings carry their evidence, and a session's timeline shows each event with
// the line the device sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { registryEntityId } from '../../model/ids.ts';
import { FindingListQuery, SessionListQuery } from '../../processors/audit/filters.ts';
import { createAuditQueries, type AuditQueries } from '../../processors/audit/query.ts';
import { startCorrelateStage } from '../../processors/correlate/stage.ts';
import { startEvidenceStage } from '../../processors/evidence/stage.ts';
import { startIndexSink } from '../../processors/index/sink.ts';
import { startNormalizeStage } from '../../processors/normalize/stage.ts';
import { cityDay, cityRegistry } from '../support/city.ts';
import { createHarness, setupNamespace, type Harness } from '../support/harness.ts';
import { sendRawLines } from '../support/pipeline.ts';
import type { RawLine } from '../support/scenario.ts';

let h: Harness;
let queries: AuditQueries;
const stages: { stop(): Promise<void> }[] = [];
let lines: RawLine[];

beforeAll(async () => {
  h = createHarness('auditpipe');
  await setupNamespace(h);
  const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
  await h.bus.produce(
    topic(TOPICS.registry),
    cityRegistry().map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
  );
  const day = cityDay();
  const approvals = day.approvals;
  await h.bus.produce(
    topic(TOPICS.approvals),
    approvals.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
  );

  // Yamada inside R-0101; Suzuki on a server R-0102 does not name; Sato with no approval of her own.
  lines = day.lines;

  stages.push(
    await startNormalizeStage(h.config, h.bus, h.log),
    await startEvidenceStage(h.config, h.bus, h.store, h.log),
    await startCorrelateStage(h.config, h.bus, h.log),
    await startIndexSink(h.config, h.bus, h.store, h.log),
  );
  await sendRawLines(h, lines, '2026-10-05T09:00:00.000Z');
  queries = createAuditQueries(h.config, h.store);

  // Settled: three closed sessions indexed, with Sato's finding, and every raw line stored.
  const deadline = Date.now() + 120_000;
  for (;;) {
    await h.store.refresh(`${h.namespace}*`);
    const closed = await h.store
      .count(indexName(h.config, 'sessions'), { term: { status: 'closed' } })
      .catch(() => 0);
    const findings = await h.store.count(indexName(h.config, 'findings')).catch(() => 0);
    const raw = await h.store
      .count(indexName(h.config, 'evidence'), { exists: { field: 'seq' } })
      .catch(() => 0);
    if (closed === 3 && findings > 0 && raw >= lines.length) break;
    if (Date.now() > deadline)
      throw new Error(`pipeline did not settle: ${closed} closed, ${findings} findings, ${raw} raw`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 300_000);

afterAll(async () => {
  for (const s of stages) await s.stop().catch(() => undefined);
  await h.cleanup();
});

/** The accounts of the sessions a filter finds, sorted. */
async function accountsFor(filters: Record<string, string>): Promise<string[]> {
  const page = await queries.sessions(SessionListQuery.parse(filters));
  expect(page.total).toBe(page.items.length);
  return page.items.flatMap((s) => s.accounts).sort();
}

describe('a day of the city, as the auditors query it', () => {
  it('finds each session by vendor, operator, account, host and approval', async () => {
    expect(await accountsFor({})).toEqual(['vnd_sato', 'vnd_suzuki', 'vnd_yamada']);
    expect(await accountsFor({ vendor: 'vendor-b' })).toEqual(['vnd_suzuki']);
    expect(await accountsFor({ vendor: 'vendor-a' })).toEqual(['vnd_sato', 'vnd_yamada']);
    expect(await accountsFor({ operator: 'op-sato' })).toEqual(['vnd_sato']);
    expect(await accountsFor({ account: 'VND_Yamada' })).toEqual(['vnd_yamada']);
    expect(await accountsFor({ host: 'DB01' })).toEqual(['vnd_suzuki']);
    expect(await accountsFor({ host: 'app01.city.local' })).toEqual(['vnd_sato', 'vnd_yamada']);
    expect(await accountsFor({ approval: 'R-0101' })).toEqual(['vnd_yamada']);
  });

  it('finds them by time (Japan time), by rule and findings, and by state', async () => {
    expect(await accountsFor({ from: '2026-10-05 12:00', to: '2026-10-05 18:00' })).toEqual(['vnd_suzuki']);
    expect(await accountsFor({ from: '2026-10-06' })).toEqual([]);
    expect(await accountsFor({ rule: 'out_of_window' })).toEqual(['vnd_sato']);
    // Suzuki's approval names APP01 only; he went to DB01.
    expect(await accountsFor({ rule: 'target_not_approved' })).toEqual(['vnd_suzuki']);
    expect(await accountsFor({ has_findings: 'true' })).toEqual(['vnd_sato', 'vnd_suzuki']);
    expect(await accountsFor({ has_findings: 'false' })).toEqual(['vnd_yamada']);
    expect(await accountsFor({ status: 'closed' })).toEqual(['vnd_sato', 'vnd_suzuki', 'vnd_yamada']);
    expect(await accountsFor({ status: 'open' })).toEqual([]);
  });

  it('shows a finding with its evidence events', async () => {
    const page = await queries.findings(FindingListQuery.parse({ rule: 'out_of_window', evidence: 'true' }));
    expect(page.total).toBe(1);
    const finding = page.items[0];
    expect(finding?.vendor).toBe('vendor-a');
    expect(finding?.evidence_events?.length).toBeGreaterThan(0);
  });

  it("shows a session's timeline across layers in time order, each event with the line its device sent", async () => {
    const yamada = (await queries.sessions(SessionListQuery.parse({ account: 'vnd_yamada' }))).items[0];
    const timeline = await queries.timeline(yamada?.id ?? '');
    const times = timeline?.lines.map((l) => l.at) ?? [];
    expect(times).toEqual([...times].sort());
    expect(new Set(timeline?.lines.map((l) => l.layer))).toEqual(
      new Set(['vpn', 'gateway', 'jump', 'target']),
    );
    // The VPN's connect line is there exactly as the router sent it.
    const sent = lines
      .filter((l) => l.format === 'syslog' && l.text.includes('vnd_yamada'))
      .map((l) => l.text);
    const shown = (timeline?.lines ?? []).flatMap((l) => (l.raw.available && l.raw.text ? [l.raw.text] : []));
    expect(sent.length).toBeGreaterThan(0);
    for (const line of sent) expect(shown).toContain(line);
  });
});
