// Session explorer: filter sessions by vendor, operator, account, host and approval; pick one session (the
// `session` variable, which the sessions table links to) and see its events across layers.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type { Datasource, FamilyKind } from './datasources.ts';
import {
  baseDashboard,
  columns,
  DASHBOARD_UIDS,
  filterVariable,
  matchesFilter,
  sessionLinks,
  type Links,
} from './panels.ts';
import { rawData, target } from './query.ts';

export const EXPLORER_QUERIES = {
  sessions: [
    matchesFilter('vendor', 'vendor'),
    matchesFilter('operator', 'operator'),
    matchesFilter('accounts', 'account'),
    matchesFilter('targets', 'host'),
    matchesFilter('approval_id', 'approval'),
    'NOT status:merged',
  ].join(' AND '),
  session: 'id:"$session"',
  timeline: 'event.id:$evidence',
} as const;

export function explorerDashboard(ds: Record<FamilyKind, Datasource>, links: Links): dashboard.Dashboard {
  const Q = EXPLORER_QUERIES;
  return baseDashboard(
    DASHBOARD_UIDS.explorer,
    'rmwatch — セッション検索 / session explorer',
    'Sessions by vendor, operator, account, host and approval; one session’s events across layers.',
  )
    .time({ from: 'now-30d', to: 'now' })
    .withVariable(filterVariable('vendor', '業者 / vendor', ds.sessions, 'vendor'))
    .withVariable(filterVariable('operator', '作業者 / operator', ds.sessions, 'operator'))
    .withVariable(filterVariable('account', 'アカウント / account', ds.sessions, 'accounts'))
    .withVariable(filterVariable('host', '対象サーバ / host', ds.sessions, 'targets'))
    .withVariable(filterVariable('approval', '申請 / approval', ds.sessions, 'approval_id'))
    .withVariable(
      new dashboard.TextBoxVariableBuilder('session')
        .label('セッション / session')
        .description('A session id; the sessions table links here.'),
    )
    .withVariable(
      // The events a session was stitched from; "All" of them, so the timeline shows every layer.
      new dashboard.QueryVariableBuilder('evidence')
        .label('events of the session')
        .hide(dashboard.VariableHide.HideVariable)
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .query(JSON.stringify({ find: 'terms', field: 'evidence', query: Q.session }))
        .definition(JSON.stringify({ find: 'terms', field: 'evidence', query: Q.session }))
        .multi(true)
        .includeAll(true)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .current({ text: 'All', value: '$__all', selected: true }),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('セッション一覧 / sessions')
        .description('Click a session id to show its timeline below.')
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .withTarget(
          target(ds.sessions, { refId: 'A', query: Q.sessions, bucketAggs: [], metrics: [rawData(500)] }),
        )
        .withTransformation(
          columns([
            ['start', 'start'],
            ['end', 'end'],
            ['status', 'status'],
            ['vendor', 'vendor'],
            ['operator', 'operator'],
            ['accounts', 'accounts'],
            ['targets', 'targets'],
            ['approval_id', 'approval'],
            ['duration_s', 'duration'],
            ['coverage_gaps', 'coverage gaps'],
            ['id', 'session'],
          ]),
        )
        .overrideByName('duration_s', [{ id: 'unit', value: 's' }])
        .overrideByName('id', sessionLinks(links, 'id'))
        .height(10)
        .span(24),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('セッション $session')
        .datasource({ type: 'elasticsearch', uid: ds.sessions.uid })
        .withTarget(
          target(ds.sessions, { refId: 'A', query: Q.session, bucketAggs: [], metrics: [rawData(1)] }),
        )
        .withTransformation(
          columns([
            ['status', 'status'],
            ['start', 'start'],
            ['end', 'end'],
            ['vendor', 'vendor'],
            ['operator', 'operator'],
            ['layers', 'layers'],
            ['coverage_gaps', 'coverage gaps'],
            ['approval_id', 'approval'],
          ]),
        )
        .height(4)
        .span(24),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('タイムライン / timeline of $session')
        .description('The events the session was stitched from, VPN to target, in time order.')
        .datasource({ type: 'elasticsearch', uid: ds.events.uid })
        .withTarget(
          target(ds.events, { refId: 'A', query: Q.timeline, bucketAggs: [], metrics: [rawData(500)] }),
        )
        .withTransformation(
          columns([
            ['@timestamp', 'time'],
            ['event.dataset', 'source'],
            ['event.action', 'action'],
            ['event.outcome', 'outcome'],
            ['observer.hostname', 'device'],
            ['host.name', 'host'],
            ['user.name', 'account'],
            ['source.ip', 'from'],
            ['file.path', 'file'],
          ]),
        )
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('time').desc(false)])
        .height(12)
        .span(24),
    )
    .build();
}
