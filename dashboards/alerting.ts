// Grafana-managed alert rules and contact points, for teams that alert from Grafana rather than from the
// alert stage (alerts/): provisioning/alerting/{rules,contact-points,policies}.yaml.
//   rules:          new critical/high findings, out-of-window, file transfer, a silent device, dead letters
//   contact points: one per configured notifier (`alerts.notifiers`)
import { createHash } from 'node:crypto';
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { ResolvedConfig } from '../infra/config.ts';
import type { NotifierSettings } from '../alerts/notifiers/settings.ts';
import type { Datasource, FamilyKind } from './datasources.ts';
import { DASHBOARD_UIDS } from './panels.ts';
import { count, histogram, terms, type EsTarget } from './query.ts';

export const ALERT_FOLDER = 'rmwatch';
export const DEFAULT_SILENT_MINUTES = 30;

export interface AlertRuleSpec {
  uid: string;
  title: string;
  severity: string;
  datasource: FamilyKind;
  /** How far back each evaluation looks. */
  lookbackSeconds: number;
  query: EsTarget;
  /** The reduced value fires when above (`gt`) or below (`lt`) `threshold`. */
  fires: 'gt' | 'lt';
  threshold: number;
  summary: string;
  dashboard: string;
}

const recentCount = (query: string, intervalSeconds: number): EsTarget => ({
  refId: 'A',
  query,
  bucketAggs: [histogram('2', '@timestamp', `${intervalSeconds}s`)],
  metrics: [count()],
});

export function alertRuleSpecs(silentMinutes = DEFAULT_SILENT_MINUTES): AlertRuleSpec[] {
  const findingRule = (uid: string, title: string, severity: string, query: string, summary: string) => ({
    uid,
    title,
    severity,
    datasource: 'findings' as const,
    lookbackSeconds: 600,
    query: recentCount(query, 60),
    fires: 'gt' as const,
    threshold: 0,
    summary,
    dashboard: DASHBOARD_UIDS.overview,
  });
  return [
    findingRule(
      'rmwatch-findings-high',
      '重大な検知 / new critical or high finding',
      'high',
      'status:active AND severity:(critical OR high)',
      '{{ $values.B }} new critical or high findings in the last 10 minutes.',
    ),
    findingRule(
      'rmwatch-out-of-window',
      '時間外接続 / out-of-window session',
      'high',
      'status:active AND rule:out_of_window',
      'A session outside any approved window ({{ $values.B }} findings in the last 10 minutes).',
    ),
    findingRule(
      'rmwatch-file-transfer',
      'ファイル持ち出し / file transfer',
      'high',
      'status:active AND rule:file_transfer',
      'A file or data transfer over a maintenance session ({{ $values.B }} findings in the last 10 minutes).',
    ),
    {
      uid: 'rmwatch-device-silent',
      title: `機器からのログ途絶 / device silent for ${silentMinutes} minutes`,
      severity: 'medium',
      datasource: 'events',
      lookbackSeconds: silentMinutes * 60,
      // min_doc_count 0 lists every device of the index, so a silent one shows as 0 instead of vanishing.
      query: {
        refId: 'A',
        query: '',
        bucketAggs: [
          terms('2', 'observer.hostname', { size: 500, orderBy: '_key', order: 'asc', minDocCount: 0 }),
        ],
        metrics: [count()],
      },
      fires: 'lt',
      threshold: 1,
      summary: `{{ $labels["observer.hostname"] }} sent no events for ${silentMinutes} minutes.`,
      dashboard: DASHBOARD_UIDS.health,
    },
    {
      uid: 'rmwatch-dead-letters',
      title: 'デッドレター増加 / dead letters rising',
      severity: 'medium',
      datasource: 'deadletter',
      lookbackSeconds: 900,
      query: {
        refId: 'A',
        query: '',
        bucketAggs: [histogram('2', 'at', '300s')],
        metrics: [count()],
      },
      fires: 'gt',
      threshold: 0,
      summary: '{{ $values.B }} records went to the dead-letter topic in the last 15 minutes.',
      dashboard: DASHBOARD_UIDS.health,
    },
  ];
}

const EXPR = { type: '__expr__', uid: '__expr__' };

const ready = <T>(value: T): cog.Builder<T> => ({ build: () => value });

function rule(spec: AlertRuleSpec, ds: Record<FamilyKind, Datasource>, links: ResolvedConfig['links']) {
  const source = ds[spec.datasource];
  const model = {
    ...spec.query,
    timeField: source.timeField,
    datasource: { type: 'elasticsearch', uid: source.uid },
    // The ES query model carries a per-target time field only for the editor; the range comes from below.
  };
  const built = new alerting.RuleBuilder(spec.title)
    .uid(spec.uid)
    .condition('C')
    .withQuery(
      new alerting.QueryBuilder('A')
        .datasourceUid(source.uid)
        .relativeTimeRange({ from: spec.lookbackSeconds, to: 0 })
        .model(ready(model as unknown as cog.Dataquery)),
    )
    .withQuery(
      new alerting.QueryBuilder('B').datasourceUid('__expr__').model(
        ready({
          refId: 'B',
          type: 'reduce',
          expression: 'A',
          reducer: spec.fires === 'lt' ? 'last' : 'sum',
          datasource: EXPR,
        } as unknown as cog.Dataquery),
      ),
    )
    .withQuery(
      new alerting.QueryBuilder('C').datasourceUid('__expr__').model(
        ready({
          refId: 'C',
          type: 'threshold',
          expression: 'B',
          conditions: [{ evaluator: { type: spec.fires, params: [spec.threshold] } }],
          datasource: EXPR,
        } as unknown as cog.Dataquery),
      ),
    )
    .noDataState('OK')
    .execErrState('Error')
    .forDuration('0s')
    .labels({ rmwatch: 'true', severity: spec.severity })
    .annotations({
      summary: spec.summary,
      runbook_url: `${links.grafana.replace(/\/+$/, '')}/d/${spec.dashboard}/`,
    })
    .build();
  // Provisioning files take the rule's fields without the API's folder and org, which the group carries.
  return {
    uid: built.uid,
    title: built.title,
    condition: built.condition,
    data: built.data,
    noDataState: built.noDataState,
    execErrState: built.execErrState,
    for: built.for,
    labels: built.labels,
    annotations: built.annotations,
    isPaused: false,
  };
}

export function alertRulesProvisioning(
  config: Pick<ResolvedConfig, 'links'>,
  ds: Record<FamilyKind, Datasource>,
  silentMinutes = DEFAULT_SILENT_MINUTES,
): object {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'rmwatch',
        folder: ALERT_FOLDER,
        interval: '1m',
        rules: alertRuleSpecs(silentMinutes).map((spec) => rule(spec, ds, config.links)),
      },
    ],
  };
}

function contactPoint(notifier: NotifierSettings): alerting.ContactPoint {
  const builder = new alerting.ContactPointBuilder()
    .name(notifier.name)
    .uid(`rmwatch-${slug(notifier.name)}`);
  switch (notifier.type) {
    case 'webhook':
      return builder.type('webhook').settings({ url: notifier.url, httpMethod: 'POST' }).build();
    case 'slack':
      return builder.type('slack').settings({ url: notifier.url }).build();
    case 'teams':
      return builder.type('teams').settings({ url: notifier.url }).build();
    case 'email':
      return builder
        .type('email')
        .settings({ addresses: notifier.to.join(';'), singleEmail: false })
        .build();
  }
}

/**
 * Grafana uids allow letters, digits, `-` and `_`, 40 characters at most; the hash keeps two Japanese names
 * (which have no ASCII to keep) apart.
 */
function slug(name: string): string {
  const ascii = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return ascii ? `${ascii}-${hash}` : hash;
}

export function contactPointsProvisioning(config: Pick<ResolvedConfig, 'alerts'>): object {
  return {
    apiVersion: 1,
    contactPoints: config.alerts.notifiers.map((n) => {
      const cp = contactPoint(n);
      return {
        orgId: 1,
        name: cp.name,
        receivers: [{ uid: cp.uid, type: cp.type, settings: cp.settings, disableResolveMessage: false }],
      };
    }),
  };
}

/**
 * A notification policy sending rmwatch's alerts to every configured contact point. Grafana replaces the
 * organisation's whole policy tree with a provisioned one, so this file is only written when asked for.
 */
export function policiesProvisioning(config: Pick<ResolvedConfig, 'alerts'>): object | undefined {
  const names = config.alerts.notifiers.map((n) => n.name);
  if (names.length === 0) return undefined;
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: names[0],
        group_by: ['grafana_folder', 'alertname'],
        routes: names.map((receiver) => ({
          receiver,
          object_matchers: [['rmwatch', '=', 'true']],
          continue: true,
        })),
      },
    ],
  };
}
