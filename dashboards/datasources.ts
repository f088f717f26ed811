// One Grafana Elasticsearch datasource per index family: each family has its own time field, and Grafana
// filters every query of a datasource on that field.
import type { ResolvedConfig } from '../infra/config.ts';
import { indexName, type IndexKind } from '../infra/index-templates.ts';

export interface Datasource {
  kind: IndexKind;
  uid: string;
  name: string;
  /** The alias (monthly kinds) or index name, with the configured namespace prefix. */
  index: string;
  timeField: string;
}

/**
 * Time fields: a session counts from its start, an approval from its window's start, a registry entry from
 * when it was frozen (the only time a registry entry has), a dead letter from when it was written.
 */
const FAMILIES: readonly { kind: IndexKind; timeField: string; title: string }[] = [
  { kind: 'events', timeField: '@timestamp', title: 'events' },
  { kind: 'sessions', timeField: 'start', title: 'sessions' },
  { kind: 'findings', timeField: '@timestamp', title: 'findings' },
  { kind: 'approvals', timeField: 'window.start', title: 'approvals' },
  { kind: 'registry', timeField: 'frozen_since', title: 'registry' },
  { kind: 'deadletter', timeField: 'at', title: 'dead letters' },
  { kind: 'pipeline', timeField: '@timestamp', title: 'pipeline' },
];

export type FamilyKind =
  'events' | 'sessions' | 'findings' | 'approvals' | 'registry' | 'deadletter' | 'pipeline';

export function datasources(config: Pick<ResolvedConfig, 'namespace'>): Record<FamilyKind, Datasource> {
  const entries = FAMILIES.map(({ kind, timeField, title }) => [
    kind,
    {
      kind,
      uid: `rmwatch-${kind}`,
      name: `rmwatch ${title}`,
      index: indexName(config, kind),
      timeField,
    },
  ]);
  return Object.fromEntries(entries) as Record<FamilyKind, Datasource>;
}

/** Grafana's datasource provisioning file (provisioning/datasources/rmwatch.yaml). */
export function datasourceProvisioning(config: Pick<ResolvedConfig, 'namespace' | 'elasticsearch'>): object {
  const es = config.elasticsearch;
  // Secrets stay out of the generated files: Grafana expands $VAR from its own environment at provisioning.
  const auth =
    es.username !== undefined
      ? {
          basicAuth: true,
          basicAuthUser: es.username,
          secureJsonData: { basicAuthPassword: '$RMWATCH_ES_PASSWORD' },
        }
      : es.apiKey !== undefined
        ? { secureJsonData: { httpHeaderValue1: 'ApiKey $RMWATCH_ES_API_KEY' } }
        : {};
  return {
    apiVersion: 1,
    datasources: Object.values(datasources(config)).map((ds) => ({
      name: ds.name,
      uid: ds.uid,
      type: 'elasticsearch',
      access: 'proxy',
      url: es.url,
      editable: false,
      jsonData: {
        index: ds.index,
        timeField: ds.timeField,
        maxConcurrentShardRequests: 5,
        ...(es.apiKey !== undefined && es.username === undefined ? { httpHeaderName1: 'Authorization' } : {}),
      },
      ...auth,
    })),
  };
}
