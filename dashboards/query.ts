// The Elasticsearch query model of a panel target, as Grafana's Elasticsearch datasource stores it
// (`query`, `bucketAggs`, `metrics`, `timeField`), and how it becomes an SDK target.
// Why plain objects: the SDK's (0.0.21) metric builders emit `type: "unknown"`, which Grafana cannot run, so
// metrics and bucket aggregations are written here with their real types and handed to the SDK's dataquery
// builder as ready-built values. test/unit/dashboards.test.ts checks the emitted JSON.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as elasticsearch from '@grafana/grafana-foundation-sdk/elasticsearch';
import type { Datasource } from './datasources.ts';

export type TermsOrder = 'asc' | 'desc';

export type BucketAgg =
  | {
      type: 'terms';
      id: string;
      field: string;
      settings: {
        size: string;
        order: TermsOrder;
        orderBy: string;
        min_doc_count?: string;
        missing?: string;
      };
    }
  | {
      type: 'date_histogram';
      id: string;
      field: string;
      settings: { interval: string; min_doc_count: string; timeZone?: string };
    }
  | { type: 'filters'; id: string; settings: { filters: { query: string; label: string }[] } };

export type Metric =
  | { type: 'count'; id: string; hide?: boolean }
  | { type: 'max' | 'min' | 'avg' | 'sum' | 'cardinality'; id: string; field: string; hide?: boolean }
  | {
      type: 'top_metrics';
      id: string;
      settings: { order: TermsOrder; orderBy: string; metrics: string[] };
    }
  | { type: 'raw_data'; id: string; settings: { size: string } }
  | {
      type: 'bucket_script';
      id: string;
      pipelineVariables: { name: string; pipelineAgg: string }[];
      settings: { script: string };
    };

/** One panel target over one rmwatch datasource. */
export interface EsTarget {
  refId: string;
  /** Lucene; `$var` references are interpolated by Grafana (multi-value → `("a" OR "b")`). */
  query: string;
  bucketAggs: BucketAgg[];
  metrics: Metric[];
  alias?: string;
  hide?: boolean;
}

/** What the dashboards store as a target: the model plus its datasource reference and time field. */
export interface StoredTarget extends EsTarget {
  datasource: { type: 'elasticsearch'; uid: string };
  timeField: string;
}

const ready = <T>(value: T): cog.Builder<T> => ({ build: () => value });

export function target(ds: Datasource, t: EsTarget): cog.Builder<cog.Dataquery> {
  const builder = new elasticsearch.DataqueryBuilder()
    .refId(t.refId)
    .query(t.query)
    .timeField(ds.timeField)
    .datasource({ type: 'elasticsearch', uid: ds.uid })
    .bucketAggs(t.bucketAggs.map((b) => ready(b as elasticsearch.BucketAggregation)))
    .metrics(t.metrics.map((m) => ready(m as unknown as elasticsearch.MetricAggregation)));
  if (t.alias) builder.alias(t.alias);
  if (t.hide) builder.hide(true);
  return builder;
}

// Small constructors, so that the dashboards read as what they ask rather than as JSON.
export const count = (id = '1'): Metric => ({ type: 'count', id });
export const rawData = (size: number, id = '1'): Metric => ({
  type: 'raw_data',
  id,
  settings: { size: String(size) },
});
export const terms = (
  id: string,
  field: string,
  options: {
    size?: number;
    orderBy?: string;
    order?: TermsOrder;
    minDocCount?: number;
    missing?: string;
  } = {},
): BucketAgg => ({
  type: 'terms',
  id,
  field,
  settings: {
    size: String(options.size ?? 10),
    order: options.order ?? 'desc',
    orderBy: options.orderBy ?? '_count',
    ...(options.minDocCount !== undefined ? { min_doc_count: String(options.minDocCount) } : {}),
    ...(options.missing !== undefined ? { missing: options.missing } : {}),
  },
});
/** Daily and hourly buckets are Tokyo days and hours: that is how the security office counts. */
export const histogram = (id: string, field: string, interval: string): BucketAgg => ({
  type: 'date_histogram',
  id,
  field,
  settings: { interval, min_doc_count: '0', timeZone: 'Asia/Tokyo' },
});
