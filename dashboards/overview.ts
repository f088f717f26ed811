// Security office overview: what is open now, what went wrong, who is frozen, and whether today's
// connections match today's approvals.
import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Datasource, FamilyKind } from './datasources.ts';
import { baseDashboard, columns, DASHBOARD_UIDS, sessionLinks, type Links } from './panels.ts';
import { count, histogram, rawData, target, terms } from './query.ts';

export const OVERVIEW_QUERIES = {
  openSessions: 'status:open',
  activeFindings: 'status:active',
  outOfWindowAndTransfer: 'status:active AND rule:(out_of_window OR file_transfer)',
  frozenVendors: 'kind:vendor AND frozen:true',
  approvalsToday: 'status:approved',
  connectionsToday: 'NOT status:merged',
  connectionsWithoutApproval: 'NOT status:merged AND NOT _exists_:approval_id',
} as const;

export function overviewDashboard(ds: Record<FamilyKind, Datasource>, links: Links): dashboard.Dashboard {
  const Q = OVERVIEW_QUERIES;
  const todayStat = (title: string, source: Datasource, query: string, description: string) =>
    new stat.PanelBuilder()
      .title(title)
      .description(description)
      .datasource({ type: 'elasticsearch', uid: source.uid })
      .withTarget(target(source, { refId: 'A', query, bucketAggs: [], metrics: [count()] }))
      // Today in Tokyo, whatever range the dashboard shows.
      .timeFrom('now/d')
      .hideTimeOverride(true)
      .height(5)
      .span(6);

  return baseDashboard(
    DASHBOARD_UIDS.overview,
    'rmwatch — セキュリティ担当 概要 / security office overview',
    'Open sessions, findings, frozen vendors and today’s approvals against connections.',
  )
    .withPanel(
      new table.PanelBuilder()
        .title('接続中のセッション / sessions open now')
        .description(
          'Sessions not yet closed. "started" shows the minutes elapsed; coverage gaps are layers with no logs.',
        )
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .withTarget(
          target(ds.sessions, { refId: 'A', query: Q.openSessions, bucketAggs: [], metrics: [rawData(100)] }),
        )
        // A session opened before the dashboard's range is still open now: look back far enough.
        .timeFrom('30d')
        .hideTimeOverride(true)
        .withTransformation(
          columns([
            ['vendor', 'vendor'],
            ['operator', 'operator'],
            ['targets', 'targets'],
            ['approval_id', 'approval'],
            ['start', 'started'],
            ['coverage_gaps', 'coverage gaps'],
            ['layers', 'layers'],
            ['id', 'session'],
          ]),
        )
        .overrideByName('start', [{ id: 'unit', value: 'dateTimeFromNow' }])
        .overrideByName('id', sessionLinks(links, 'id'))
        .height(8)
        .span(24),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('検知の推移 / findings over time by rule and severity')
        .datasource({ type: 'elasticsearch', uid: ds.findings.uid })
        .withTarget(
          target(ds.findings, {
            refId: 'A',
            query: Q.activeFindings,
            alias: '{{rule}} {{severity}}',
            bucketAggs: [
              terms('2', 'rule', { size: 20, orderBy: '_key', order: 'asc' }),
              terms('3', 'severity', { size: 5, orderBy: '_key', order: 'asc' }),
              histogram('4', '@timestamp', '1d'),
            ],
            metrics: [count()],
          }),
        )
        .drawStyle(common.GraphDrawStyle.Bars)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('時間外接続・ファイル持ち出し / out-of-window and file-transfer findings')
        .datasource({ type: 'elasticsearch', uid: ds.findings.uid })
        .withTarget(
          target(ds.findings, {
            refId: 'A',
            query: Q.outOfWindowAndTransfer,
            bucketAggs: [],
            metrics: [rawData(200)],
          }),
        )
        .withTransformation(
          columns([
            ['@timestamp', 'time'],
            ['rule', 'rule'],
            ['severity', 'severity'],
            ['vendor', 'vendor'],
            ['operator', 'operator'],
            ['message', 'message'],
            ['session_id', 'session'],
          ]),
        )
        .overrideByName('session_id', sessionLinks(links, 'session_id'))
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('停止中の業者 / vendors frozen')
        .description('Vendors whose service is stopped until the fix is audited, whenever they were frozen.')
        .datasource({ type: 'elasticsearch', uid: ds.registry.uid })
        .withTarget(
          target(ds.registry, {
            refId: 'A',
            query: Q.frozenVendors,
            bucketAggs: [],
            metrics: [rawData(100)],
          }),
        )
        // The registry's only time is frozen_since: a freeze of any age still holds.
        .timeFrom('20y')
        .hideTimeOverride(true)
        .withTransformation(
          columns([
            ['id', 'vendor'],
            ['name', 'name'],
            ['frozen_since', 'frozen since'],
            ['frozen_reason', 'reason'],
          ]),
        )
        .height(5)
        .span(6),
    )
    .withPanel(
      todayStat(
        '本日の承認 / approvals today',
        ds.approvals,
        Q.approvalsToday,
        'Approved windows that start today (Tokyo).',
      ),
    )
    .withPanel(
      todayStat(
        '本日の接続 / connections today',
        ds.sessions,
        Q.connectionsToday,
        'Sessions that started today (Tokyo), duplicates merged.',
      ),
    )
    .withPanel(
      todayStat(
        '承認なしの接続 / connections today without approval',
        ds.sessions,
        Q.connectionsWithoutApproval,
        'Sessions today that no approval covers.',
      ),
    )
    .build();
}
