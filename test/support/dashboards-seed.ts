// What the dashboards panel over beyond the audit scenario (test/support/audit.ts): the registry as the
// index sink writes it (one vendor frozen), a session today with no approval and no known operator
// account, dead letters, consumer-lag samples, and a burst of events from a VPN router next to an older
// firewall that has gone silent. Times are around DASHBOARD_NOW.
import { indexName, monthlyIndexFor } from '../../infra/index-templates.ts';
import type { IndexedDocument } from '../../infra/elasticsearch.ts';
import { Session } from '../../model/session.ts';
import { seedAuditScenario } from './audit.ts';
import type { Harness } from './harness.ts';

/** "Now" for every dashboard test: 15:00 in Tokyo on 25 Nov 2026. */
export const DASHBOARD_NOW = new Date('2026-11-25T06:00:00.000Z');

export const DASHBOARD_SCENARIO = {
  frozenVendor: 'vendor-c',
  frozenVendorName: '凍結テスト株式会社',
  /** vendor-c, 10:00–10:10 JST on 25 Nov, FILESV01, no approval. */
  unapprovedSession: 's-nishi-1125',
  devices: {
    /** 120 events in the minute from 14:00 JST: 2 events a second. */
    busy: 'VPNRT01',
    /** Last heard of at 12:00 JST. */
    silent: 'FW02',
  },
  deadLetters: [
    { stage: 'normalize', at: '2026-11-25T05:10:00.000Z' },
    { stage: 'normalize', at: '2026-11-25T05:20:00.000Z' },
    { stage: 'normalize', at: '2026-11-25T05:40:00.000Z' },
    { stage: 'correlate', at: '2026-11-25T04:30:00.000Z' },
  ],
  lag: [
    { group: 'rmwatch.index', topic: 'rm.events', at: '2026-11-25T05:50:00.000Z', lag: 120 },
    { group: 'rmwatch.index', topic: 'rm.events', at: '2026-11-25T05:55:00.000Z', lag: 30 },
    { group: 'rmwatch.correlate', topic: 'rm.events', at: '2026-11-25T05:55:00.000Z', lag: 0 },
  ],
} as const;

const D = DASHBOARD_SCENARIO;

function registry(c: Harness['config']): IndexedDocument[] {
  const vendor = (id: string, name: string, frozen?: { since: string; reason: string }) => ({
    index: indexName(c, 'registry'),
    id: `vendor:${id}`,
    document: {
      entity_id: `vendor:${id}`,
      kind: 'vendor',
      id,
      name,
      frozen: frozen !== undefined,
      ...(frozen ? { frozen_since: frozen.since, frozen_reason: frozen.reason } : {}),
    },
  });
  return [
    vendor('vendor-a', '株式会社サンプル保守'),
    vendor('vendor-b', '北見システム保守株式会社'),
    vendor(D.frozenVendor, D.frozenVendorName, {
      since: '2025-06-01T00:00:00.000Z',
      reason: '無許可のファイル持ち出し',
    }),
  ];
}

function events(c: Harness['config']): IndexedDocument[] {
  const docs: IndexedDocument[] = [];
  const event = (id: string, at: string, dataset: string, device: string) => ({
    index: monthlyIndexFor(c, 'events', at),
    id,
    document: {
      '@timestamp': at,
      event: { id, action: 'vpn_session_start', outcome: 'success', dataset },
      observer: { hostname: device },
    },
  });
  for (let i = 0; i < 120; i++) {
    const at = new Date(Date.parse('2026-11-25T05:00:00.000Z') + i * 500).toISOString();
    docs.push(event(`e-burst-${i}`, at, 'vpn.yamaha', D.devices.busy));
  }
  docs.push(event('e-fw-1', '2026-11-25T03:00:00.000Z', 'syslog.fortigate', D.devices.silent));
  return docs;
}

export async function seedDashboardScenario(h: Harness): Promise<void> {
  await seedAuditScenario(h, { registry: false });
  const c = h.config;
  const docs: IndexedDocument[] = [
    ...registry(c),
    ...events(c),
    {
      index: indexName(c, 'sessions'),
      id: D.unapprovedSession,
      document: Session.parse({
        id: D.unapprovedSession,
        status: 'closed',
        start: '2026-11-25T01:00:00.000Z',
        end: '2026-11-25T01:10:00.000Z',
        last_seen: '2026-11-25T01:10:00.000Z',
        layers: ['jump', 'target'],
        vendor: D.frozenVendor,
        operator: 'op-nishi',
        accounts: ['vnd_nishi'],
        targets: ['FILESV01.city.local'],
        duration_s: 600,
        updated_at: '2026-11-26T00:00:00.000Z',
      }),
    },
    ...D.deadLetters.map((d, i) => ({
      index: indexName(c, 'deadletter'),
      id: `dl-${i}`,
      document: {
        stage: d.stage,
        source: '192.0.2.9',
        error: '解析できない行 / unparseable line',
        raw: Buffer.from(`garbage ${i}`).toString('base64'),
        at: d.at,
      },
    })),
    ...D.lag.map((l) => ({
      index: monthlyIndexFor(c, 'pipeline', l.at),
      id: `${l.group}|${l.topic}|${l.at}`,
      document: {
        '@timestamp': l.at,
        group: l.group,
        topic: l.topic,
        partitions: 6,
        committed: 1000 - l.lag,
        end: 1000,
        lag: l.lag,
      },
    })),
  ];
  const result = await h.store.bulkIndex(docs, { refresh: true });
  if (result.rejected.length > 0)
    throw new Error(`seeding refused: ${result.rejected.map((r) => `${r.doc.id}: ${r.reason}`).join('; ')}`);
}
