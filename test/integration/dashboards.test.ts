// Every dashboard panel's query, sent to the real Elasticsearch the way Grafana's Elasticsearch datasource
// sends it (test/support/grafana-elasticsearch.ts), over a seeded month (test/support/dashboards-seed.ts):
// each panel returns the numbers the scenario implies. The alert rules' queries are run the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { alertRuleSpecs } from '../../dashboards/alerting.ts';
import { buildDashboards, buildFiles } from '../../dashboards/build.ts';
import { NO_APPROVAL, UNKNOWN_VENDOR } from '../../dashboards/vendors.ts';
import type { StoredTarget } from '../../dashboards/query.ts';
import { AUDIT_SCENARIO as A } from '../support/audit.ts';
import { DASHBOARD_NOW, DASHBOARD_SCENARIO as D, seedDashboardScenario } from '../support/dashboards-seed.ts';
import {
  flatten,
  grafanaSearch,
  msearch,
  panelRange,
  variableTermsSearch,
  type DatasourceInfo,
  type Row,
  type TimeRange,
  type Variables,
} from '../support/grafana-elasticsearch.ts';
import { createHarness, setupNamespace, type Harness } from '../support/harness.ts';

interface Panel {
  title: string;
  timeFrom?: string;
  targets: StoredTarget[];
  transformations?: { id: string; options: unknown }[];
}
interface TemplateVariable {
  name: string;
  type: string;
  query?: string;
  allValue?: string;
  datasource?: { uid: string };
}
interface DashboardModel {
  panels: Panel[];
  templating?: { list: TemplateVariable[] };
}

let h: Harness;
let dashboards: Record<string, DashboardModel>;
let sources: Record<string, DatasourceInfo>;

/** 1 Nov 2026 until DASHBOARD_NOW, the range the tests look at unless they say otherwise. */
const MONTH: TimeRange = { from: new Date('2026-11-01T00:00:00.000Z'), to: DASHBOARD_NOW };

beforeAll(async () => {
  h = createHarness('dash');
  await setupNamespace(h);
  await seedDashboardScenario(h);
  dashboards = buildDashboards(h.config) as unknown as Record<string, DashboardModel>;
  // Datasources as Grafana would read them from the provisioning file this build wrote.
  const provisioning = parseYaml(buildFiles(h.config)['provisioning/datasources/rmwatch.yaml'] ?? '') as {
    datasources: { uid: string; jsonData: { index: string; timeField: string } }[];
  };
  sources = Object.fromEntries(
    provisioning.datasources.map((d) => [
      d.uid,
      { index: d.jsonData.index, timeField: d.jsonData.timeField },
    ]),
  );
}, 120_000);
afterAll(async () => {
  await h?.cleanup();
});

const source = (uid: string): DatasourceInfo => {
  const ds = sources[uid];
  if (!ds) throw new Error(`no datasource ${uid}`);
  return ds;
};

/** Template variables as Grafana resolves them: query variables run their terms query; All unless chosen. */
async function resolveVariables(
  dash: DashboardModel,
  chosen: Record<string, string | string[]>,
  range: TimeRange,
): Promise<Variables> {
  const vars: Variables = {};
  for (const v of dash.templating?.list ?? []) {
    if (v.type === 'textbox') {
      vars[v.name] = { current: chosen[v.name] ?? '' };
      continue;
    }
    const search = variableTermsSearch(
      JSON.parse(v.query ?? '{}'),
      source(v.datasource?.uid ?? ''),
      range,
      vars,
    );
    const [answer] = await msearch(h.config.elasticsearch.url, [search]);
    const buckets = (answer?.aggregations as { '1': { buckets: { key: string }[] } })['1'].buckets;
    vars[v.name] = {
      current: chosen[v.name] ?? '$__all',
      allValue: v.allValue,
      options: buckets.map((b) => b.key),
    };
  }
  return vars;
}

async function panelRows(
  dashboard: string,
  title: string,
  options: { range?: TimeRange; vars?: Record<string, string | string[]>; now?: Date } = {},
): Promise<Row[]> {
  const dash = must(dashboards[dashboard], dashboard);
  const panel = dash.panels.find((p) => p.title.includes(title));
  if (!panel) throw new Error(`no panel "${title}" in ${dashboard}`);
  const range = panelRange(panel, options.range ?? MONTH, options.now ?? DASHBOARD_NOW);
  const vars = await resolveVariables(dash, options.vars ?? {}, options.range ?? MONTH);
  const target = must(panel.targets[0], `a target of ${title}`);
  const [answer] = await msearch(h.config.elasticsearch.url, [
    grafanaSearch(target, source(target.datasource.uid), range, vars),
  ]);
  return flatten(target, must(answer, 'an answer'));
}

const S = A.sessions;
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}
const ids = (rows: Row[], field = 'id') => rows.map((r) => r[field]);
const nonZero = (rows: Row[], metric = '1') => rows.filter((r) => Number(r[metric]) > 0);
const iso = (epochMs: unknown) => new Date(Number(epochMs)).toISOString();

describe('security office overview', () => {
  it('lists the one session open now with its vendor, operator, target and approval', async () => {
    const rows = await panelRows('overview.json', 'sessions open now');
    expect(ids(rows)).toEqual([S.tanaka]);
    expect(rows[0]).toMatchObject({
      vendor: 'vendor-b',
      operator: 'op-tanaka',
      targets: ['APSV01'],
      approval_id: 'R-2026-0002',
      start: '2026-11-25T04:00:00.000Z',
    });
    expect(rows[0]).not.toHaveProperty('duration_s');
  });

  it('counts active findings per rule, severity and Tokyo day, leaving out the withdrawn one', async () => {
    const rows = nonZero(await panelRows('overview.json', 'findings over time'));
    expect(rows.map((r) => [r.rule, r.severity, iso(r['@timestamp']), r['1']])).toEqual([
      ['file_transfer', 'high', '2026-11-23T15:00:00.000Z', 1],
      ['out_of_window', 'high', '2026-11-19T15:00:00.000Z', 1],
      ['overlong_session', 'medium', '2026-11-23T15:00:00.000Z', 1],
      ['shared_account', 'high', '2026-11-24T15:00:00.000Z', 1],
    ]);
  });

  it('lists the out-of-window and file-transfer findings, newest first, with their sessions', async () => {
    const rows = await panelRows('overview.json', 'out-of-window and file-transfer');
    expect(rows.map((r) => [r.id, r.session_id])).toEqual([
      [A.findings.transfer, S.sato],
      [A.findings.outOfWindow, S.kato],
    ]);
    expect(rows[0]?.message).toContain('持ち出し.xlsx');
  });

  it('shows the frozen vendor however long ago it was frozen', async () => {
    const rows = await panelRows('overview.json', 'vendors frozen');
    expect(rows.map((r) => [r.id, r.name])).toEqual([[D.frozenVendor, D.frozenVendorName]]);
  });

  it('compares today’s approvals (Tokyo day) with today’s connections', async () => {
    const approvals = await panelRows('overview.json', 'approvals today');
    const connections = await panelRows('overview.json', 'connections today');
    const unapproved = await panelRows('overview.json', 'connections today without approval');
    expect(approvals[0]?.['1']).toBe(1);
    expect(connections[0]?.['1']).toBe(2);
    expect(unapproved[0]?.['1']).toBe(1);
  });
});

describe('session explorer', () => {
  it('offers every vendor with a session in range as a choice', async () => {
    const vars = await resolveVariables(must(dashboards['session-explorer.json'], 'the explorer'), {}, MONTH);
    expect(vars.vendor?.options).toEqual(['vendor-a', 'vendor-b', 'vendor-c']);
    expect(vars.approval?.options).toEqual(['R-2026-0001', 'R-2026-0002']);
  });

  it('shows every session but merged duplicates under All, including those with no approval', async () => {
    const rows = await panelRows('session-explorer.json', 'sessions');
    expect(ids(rows)).toEqual([S.tanaka, D.unapprovedSession, S.sato, S.yamada, S.kato]);
  });

  it.each([
    ['one vendor', { vendor: 'vendor-a' }, [S.sato, S.yamada]],
    ['two vendors', { vendor: ['vendor-a', 'vendor-b'] }, [S.tanaka, S.sato, S.yamada, S.kato]],
    ['an operator', { operator: 'op-kato' }, [S.kato]],
    ['an account', { account: 'vnd_sato' }, [S.sato]],
    ['a Japanese account name', { account: '田中' }, [S.tanaka]],
    ['a host', { host: 'FILESV01.city.local' }, [D.unapprovedSession, S.yamada]],
    ['an approval', { approval: 'R-2026-0001' }, [S.sato, S.yamada]],
  ])('filters sessions by %s', async (_what, vars, expected) => {
    expect(ids(await panelRows('session-explorer.json', 'sessions', { vars }))).toEqual(expected);
  });

  it('shows the chosen session and its events from every layer', async () => {
    const vars = { session: S.yamada };
    const session = await panelRows('session-explorer.json', 'セッション $session', { vars });
    expect(ids(session)).toEqual([S.yamada]);
    const timeline = await panelRows('session-explorer.json', 'timeline', { vars });
    // The VPN end is in the session's timeline but not (yet) in rm-events.
    expect(timeline.map((e) => (e.event as { id: string }).id)).toEqual([
      A.events.targetLogon,
      A.events.jumpLogon,
      A.events.gateway,
      A.events.vpnStart,
    ]);
    expect(timeline.map((e) => (e.event as { dataset: string }).dataset)).toEqual([
      'windows.security',
      'windows.security',
      'rdgateway',
      'vpn.cisco_asa',
    ]);
  });

  it('shows no events while no session is chosen', async () => {
    expect(await panelRows('session-explorer.json', 'timeline')).toEqual([]);
  });
});

describe('vendors and approvals', () => {
  it('lists a vendor’s approvals whose window starts in range', async () => {
    const rows = await panelRows('vendors.json', 'approvals', { vars: { vendor: 'vendor-a' } });
    expect(ids(rows)).toEqual([A.approvals.a]);
    expect(rows[0]?.purpose).toBe('定期保守（月次パッチ適用）');
  });

  it('counts sessions and seconds used per vendor and approval, sessions without approval apart', async () => {
    const rows = await panelRows('vendors.json', 'sessions and time used per approval');
    expect(rows.map((r) => [r.vendor, r.approval_id, r['1'], r['3']])).toEqual([
      ['vendor-a', 'R-2026-0001', 2, 12600],
      ['vendor-b', NO_APPROVAL, 1, 3600],
      ['vendor-b', 'R-2026-0002', 1, 0],
      ['vendor-c', NO_APPROVAL, 1, 600],
    ]);
    expect(UNKNOWN_VENDOR).not.toBe(NO_APPROVAL);
  });

  it('ranks vendors by time used', async () => {
    const rows = await panelRows('vendors.json', 'time used per vendor');
    expect(rows.map((r) => [r.vendor, r['3']])).toEqual([
      ['vendor-a', 12600],
      ['vendor-b', 3600],
      ['vendor-c', 600],
    ]);
  });

  it('counts a vendor’s active findings by rule', async () => {
    const rows = await panelRows('vendors.json', 'findings by rule', { vars: { vendor: 'vendor-a' } });
    expect(rows.map((r) => [r.vendor, r.rule, r['1']])).toEqual([
      ['vendor-a', 'file_transfer', 1],
      ['vendor-a', 'overlong_session', 1],
    ]);
  });
});

describe('pipeline health', () => {
  const AFTERNOON: TimeRange = { from: new Date('2026-11-25T00:00:00.000Z'), to: DASHBOARD_NOW };

  it('shows events per second per source', async () => {
    const rows = nonZero(await panelRows('pipeline-health.json', 'events per second', { range: AFTERNOON }));
    // Grafana divides each minute's count by the transformation's 60.
    const perSecond = must(dashboards['pipeline-health.json'], 'health').panels.find((p) =>
      p.title.includes('events per second'),
    )?.transformations?.[0]?.options as { binary: { operator: string; right: string } };
    expect(perSecond.binary.operator).toBe('/');
    expect(
      rows.map((r) => [
        r['event.dataset'],
        iso(r['@timestamp']),
        Number(r['1']) / Number(perSecond.binary.right),
      ]),
    ).toEqual([
      ['syslog.fortigate', '2026-11-25T03:00:00.000Z', 1 / 60],
      ['vpn.yamaha', '2026-11-25T05:00:00.000Z', 2],
    ]);
  });

  it('lists devices by their last event, the longest silent first', async () => {
    const rows = await panelRows('pipeline-health.json', 'last event', { range: AFTERNOON });
    expect(rows.map((r) => [r['observer.hostname'], iso(r['3'])])).toEqual([
      [D.devices.silent, '2026-11-25T03:00:00.000Z'],
      [D.devices.busy, '2026-11-25T05:00:59.500Z'],
    ]);
  });

  it('counts dead letters per stage and hour', async () => {
    const rows = nonZero(
      await panelRows('pipeline-health.json', 'dead letters by stage', { range: AFTERNOON }),
    );
    expect(rows.map((r) => [r.stage, iso(r.at), r['1']])).toEqual([
      ['correlate', '2026-11-25T04:00:00.000Z', 1],
      ['normalize', '2026-11-25T05:00:00.000Z', 3],
    ]);
    const recent = await panelRows('pipeline-health.json', 'recent dead letters', { range: AFTERNOON });
    expect(recent.map((r) => r.at)).toEqual([
      '2026-11-25T05:40:00.000Z',
      '2026-11-25T05:20:00.000Z',
      '2026-11-25T05:10:00.000Z',
      '2026-11-25T04:30:00.000Z',
    ]);
  });

  it('shows each consumer group’s lag over time and its latest lag', async () => {
    const series = (await panelRows('pipeline-health.json', 'consumer lag', { range: AFTERNOON })).filter(
      (r) => r['1'] !== null,
    );
    expect(series.map((r) => [r.group, iso(r['@timestamp']), r['1']])).toEqual([
      ['rmwatch.correlate', '2026-11-25T05:55:00.000Z', 0],
      ['rmwatch.index', '2026-11-25T05:50:00.000Z', 120],
      ['rmwatch.index', '2026-11-25T05:55:00.000Z', 30],
    ]);
    const now = await panelRows('pipeline-health.json', 'lag now', {
      range: AFTERNOON,
      now: new Date('2026-11-25T05:56:00.000Z'),
    });
    expect(now.map((r) => [r.group, r.topic, r['1']])).toEqual([
      ['rmwatch.correlate', 'rm.events', 0],
      ['rmwatch.index', 'rm.events', 30],
    ]);
    // Two minutes after the last samples, nothing is current: a stalled sampler shows as an empty table.
    expect(await panelRows('pipeline-health.json', 'lag now', { range: AFTERNOON })).toEqual([]);
  });
});

describe('alert rules', () => {
  /** The rule's query over its look-back window ending at `now`, reduced the way the rule reduces it. */
  async function evaluate(uid: string, now: Date): Promise<Row[]> {
    const spec = must(
      alertRuleSpecs(30).find((r) => r.uid === uid),
      uid,
    );
    const uidOf = `rmwatch-${spec.datasource}`;
    const target = {
      ...spec.query,
      datasource: { type: 'elasticsearch' as const, uid: uidOf },
      timeField: source(uidOf).timeField,
    };
    const range = { from: new Date(now.getTime() - spec.lookbackSeconds * 1000), to: now };
    const [answer] = await msearch(h.config.elasticsearch.url, [grafanaSearch(target, source(uidOf), range)]);
    return flatten(target, must(answer, 'an answer'));
  }
  const total = (rows: Row[]) => rows.reduce((sum, r) => sum + Number(r['1']), 0);

  it('fires on a new high finding within ten minutes of it, and not later', async () => {
    expect(total(await evaluate('rmwatch-findings-high', new Date('2026-11-25T04:05:00.000Z')))).toBe(1);
    expect(total(await evaluate('rmwatch-findings-high', new Date('2026-11-25T04:30:00.000Z')))).toBe(0);
  });

  it('fires on out-of-window and file-transfer findings', async () => {
    expect(total(await evaluate('rmwatch-out-of-window', new Date('2026-11-20T10:05:00.000Z')))).toBe(1);
    expect(total(await evaluate('rmwatch-file-transfer', new Date('2026-11-24T02:35:00.000Z')))).toBe(1);
  });

  it('names the device that has been silent, with zero events, next to one that is not', async () => {
    const rows = await evaluate('rmwatch-device-silent', new Date('2026-11-25T05:20:00.000Z'));
    expect(rows.map((r) => [r['observer.hostname'], r['1']])).toEqual([
      [D.devices.silent, 0],
      [D.devices.busy, 120],
    ]);
  });

  it('fires when dead letters arrive', async () => {
    expect(total(await evaluate('rmwatch-dead-letters', new Date('2026-11-25T05:45:00.000Z')))).toBe(1);
    expect(total(await evaluate('rmwatch-dead-letters', DASHBOARD_NOW))).toBe(0);
  });
});
