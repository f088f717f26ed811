// Pipeline health: events per second per source, dead letters, consumer lag, and how long each device has
// been silent. A VPN router that stops logging is itself a risk: sessions through it go unseen.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Datasource, FamilyKind } from './datasources.ts';
import { baseDashboard, columns, DASHBOARD_UIDS, type Links } from './panels.ts';
import { count, histogram, rawData, target, terms } from './query.ts';

export const HEALTH_QUERIES = { all: '' } as const;

/**
 * Events per second: each one-minute bucket's count over its 60 seconds, divided in Grafana. A bucket_script
 * would need the painless module, which the embedded Elasticsearch lacks.
 */
export const PER_SECOND: dashboard.DataTransformerConfig = {
  id: 'calculateField',
  options: {
    mode: 'binary',
    binary: { left: 'Count', operator: '/', right: '60' },
    alias: 'events/s',
    replaceFields: true,
  },
};

/** Lag samples are taken every 30 s by default (health.lagIntervalSeconds): two minutes hold several. */
export const LAG_NOW_WINDOW = '2m';

export function healthDashboard(ds: Record<FamilyKind, Datasource>, _links: Links): dashboard.Dashboard {
  return baseDashboard(
    DASHBOARD_UIDS.health,
    'rmwatch — パイプライン監視 / pipeline health',
    'Events per second per source, dead letters, consumer lag, time since each device’s last event.',
  )
    .time({ from: 'now-6h', to: 'now' })
    .withPanel(
      new timeseries.PanelBuilder()
        .title('受信イベント/秒 / events per second by source')
        .datasource({ type: 'elasticsearch', uid: ds.events.uid })
        .withTarget(
          target(ds.events, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            alias: '{{event.dataset}}',
            bucketAggs: [
              terms('2', 'event.dataset', { size: 20, orderBy: '_key', order: 'asc' }),
              histogram('3', '@timestamp', '1m'),
            ],
            metrics: [count()],
          }),
        )
        .withTransformation(PER_SECOND)
        .unit('ops')
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('最終受信からの経過 / time since each device’s last event')
        .description('Devices by the time of their last event; a device silent for long is a blind spot.')
        .datasource({ type: 'elasticsearch', uid: ds.events.uid })
        .withTarget(
          target(ds.events, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            bucketAggs: [terms('2', 'observer.hostname', { size: 500, orderBy: '3', order: 'asc' })],
            metrics: [{ type: 'max', id: '3', field: '@timestamp' }],
          }),
        )
        // A device silent for the whole visible range would vanish from it: look back a month.
        .timeFrom('30d')
        .hideTimeOverride(true)
        .overrideByName('Max', [
          { id: 'unit', value: 'dateTimeFromNow' },
          { id: 'displayName', value: 'last event' },
        ])
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('デッドレター / dead letters by stage')
        .datasource({ type: 'elasticsearch', uid: ds.deadletter.uid })
        .withTarget(
          target(ds.deadletter, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            alias: '{{stage}}',
            bucketAggs: [
              terms('2', 'stage', { size: 20, orderBy: '_key', order: 'asc' }),
              histogram('3', 'at', '1h'),
            ],
            metrics: [count()],
          }),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('最近のデッドレター / recent dead letters')
        .datasource({ type: 'elasticsearch', uid: ds.deadletter.uid })
        .withTarget(
          target(ds.deadletter, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            bucketAggs: [],
            metrics: [rawData(100)],
          }),
        )
        .withTransformation(
          columns([
            ['at', 'time'],
            ['stage', 'stage'],
            ['source', 'source'],
            ['error', 'error'],
          ]),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('コンシューマ遅延 / consumer lag')
        .datasource({ type: 'elasticsearch', uid: ds.pipeline.uid })
        .withTarget(
          target(ds.pipeline, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            alias: '{{group}} {{topic}}',
            bucketAggs: [
              terms('2', 'group', { size: 50, orderBy: '_key', order: 'asc' }),
              terms('3', 'topic', { size: 50, orderBy: '_key', order: 'asc' }),
              histogram('4', '@timestamp', '1m'),
            ],
            metrics: [{ type: 'max', id: '1', field: 'lag' }],
          }),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('現在の遅延 / lag now')
        .description('The highest lag of each group and topic in the last two minutes.')
        .datasource({ type: 'elasticsearch', uid: ds.pipeline.uid })
        .withTarget(
          target(ds.pipeline, {
            refId: 'A',
            query: HEALTH_QUERIES.all,
            bucketAggs: [
              terms('2', 'group', { size: 50, orderBy: '_key', order: 'asc' }),
              terms('3', 'topic', { size: 50, orderBy: '_key', order: 'asc' }),
            ],
            // top_metrics (the latest sample) is an x-pack aggregation the embedded Elasticsearch lacks.
            metrics: [{ type: 'max', id: '1', field: 'lag' }],
          }),
        )
        .timeFrom(LAG_NOW_WINDOW)
        .hideTimeOverride(true)
        .height(8)
        .span(12),
    )
    .build();
}
