// Vendor / approval view: per vendor, its approvals, the sessions each approval covered, minutes used, and
// findings.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type { Datasource, FamilyKind } from './datasources.ts';
import {
  baseDashboard,
  columns,
  DASHBOARD_UIDS,
  filterVariable,
  matchesFilter,
  type Links,
} from './panels.ts';
import { count, rawData, target, terms, type Metric } from './query.ts';

/** Sessions without an approval are grouped under this key: those are the ones to ask about. */
export const NO_APPROVAL = '(承認なし / none)';

/** Sessions from no registered vendor: a source the registry does not know. */
export const UNKNOWN_VENDOR = '(業者不明 / unknown)';

export const VENDOR_QUERIES = {
  approvals: 'vendor:$vendor',
  sessions: `${matchesFilter('vendor', 'vendor')} AND NOT status:merged`,
  findings: 'vendor:$vendor AND status:active',
} as const;

const minutesUsed: Metric = { type: 'sum', id: '3', field: 'duration_s' };

export function vendorDashboard(ds: Record<FamilyKind, Datasource>, _links: Links): dashboard.Dashboard {
  const Q = VENDOR_QUERIES;
  return baseDashboard(
    DASHBOARD_UIDS.vendors,
    'rmwatch — 業者・申請 / vendors and approvals',
    'Per vendor: approvals, the sessions each approval covered, time used, findings.',
  )
    .time({ from: 'now-90d', to: 'now' })
    .withVariable(filterVariable('vendor', '業者 / vendor', ds.sessions, 'vendor'))
    .withPanel(
      new table.PanelBuilder()
        .title('申請 / approvals')
        .datasource({ type: 'elasticsearch', uid: ds.approvals.uid })
        .withTarget(
          target(ds.approvals, { refId: 'A', query: Q.approvals, bucketAggs: [], metrics: [rawData(500)] }),
        )
        .withTransformation(
          columns([
            ['id', 'approval'],
            ['vendor', 'vendor'],
            ['status', 'status'],
            ['window.start', 'from'],
            ['window.end', 'until'],
            ['targets', 'targets'],
            ['purpose', 'purpose'],
            ['approved_by', 'approved by'],
          ]),
        )
        .height(8)
        .span(24),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('申請ごとのセッションと利用時間 / sessions and time used per approval')
        .description(
          'Sessions each approval covered and their total duration; sessions with no approval last.',
        )
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .withTarget(
          target(ds.sessions, {
            refId: 'A',
            query: Q.sessions,
            bucketAggs: [
              terms('4', 'vendor', { size: 100, orderBy: '_key', order: 'asc', missing: UNKNOWN_VENDOR }),
              terms('2', 'approval_id', { size: 500, orderBy: '_key', order: 'asc', missing: NO_APPROVAL }),
            ],
            metrics: [count(), minutesUsed],
          }),
        )
        .overrideByName('Sum', [{ id: 'unit', value: 's' }])
        .height(8)
        .span(12),
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('業者ごとの利用時間 / time used per vendor')
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .withTarget(
          target(ds.sessions, {
            refId: 'A',
            query: Q.sessions,
            bucketAggs: [
              terms('2', 'vendor', { size: 100, orderBy: '3', order: 'desc', missing: UNKNOWN_VENDOR }),
            ],
            metrics: [minutesUsed],
          }),
        )
        .unit('s')
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('検知（ルール別）/ findings by rule')
        .datasource({ type: 'elasticsearch', uid: ds.findings.uid })
        .withTarget(
          target(ds.findings, {
            refId: 'A',
            query: Q.findings,
            bucketAggs: [
              terms('2', 'vendor', { size: 100, orderBy: '_key', order: 'asc' }),
              terms('3', 'rule', { size: 50, orderBy: '_count', order: 'desc' }),
            ],
            metrics: [count()],
          }),
        )
        .height(8)
        .span(24),
    )
    .build();
}
