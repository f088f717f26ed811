// What Grafana's Elasticsearch datasource sends for a panel target, rebuilt here so that tests can run every
// panel's query against the real Elasticsearch without a Grafana server:
//   - template variables interpolated the Lucene way (one value escaped, several as ("a" OR "b"), All as the
//     variable's allValue, or else all its values);
//   - one _msearch line pair per target: a header naming the datasource's index, and a body whose bool filter
//     holds the range on the datasource's time field (epoch millis) and the query_string (analyze_wildcard);
//   - bucket aggregations nested in the order the target lists them, metrics inside the innermost one;
//     count is the buckets' doc_count, pipeline metrics point at "_count" or a sibling metric;
//   - raw_data as a search sorted newest first, of the metric's size;
//   - panel time overrides (timeFrom) and the terms queries of template variables.
// Responses are flattened into rows: one per innermost bucket (keys by field name, metrics by id), or one per
// document.
import type { StoredTarget, BucketAgg, Metric } from '../../dashboards/query.ts';
import { TOKYO_OFFSET_MS } from '../../model/tokyo-time.ts';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface DatasourceInfo {
  index: string;
  timeField: string;
}

/** A template variable's state: what is selected, and what All stands for. */
export interface VariableState {
  /** `$__all`, one value, or several. */
  current: string | string[];
  allValue?: string;
  /** All the variable's values (what All means without an allValue). */
  options?: string[];
}

export type Variables = Record<string, VariableState>;

const LUCENE_SPECIAL = /([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g;
export const luceneEscape = (value: string): string => value.replace(LUCENE_SPECIAL, '\\$1');

function formatLucene(value: string | string[]): string {
  if (typeof value === 'string') return luceneEscape(value);
  if (value.length === 0) return '__empty__';
  return `(${value.map((v) => `"${luceneEscape(v)}"`).join(' OR ')})`;
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Grafana's templateSrv.replace(text, vars, 'lucene'); unknown and built-in variables are left as they are. */
export function interpolateLucene(text: string, vars: Variables): string {
  return text.replace(VARIABLE, (match, a?: string, b?: string, _f?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const state = vars[name];
    if (!state) return match;
    const current = state.current;
    const isAll = current === '$__all' || (Array.isArray(current) && current.includes('$__all'));
    if (isAll) {
      // A custom all value is used as written, not formatted.
      if (state.allValue !== undefined) return state.allValue;
      return formatLucene(state.options ?? []);
    }
    return formatLucene(current);
  });
}

/** Variables referenced by a text, as Grafana finds them (built-ins such as `__value` included). */
export function variableNames(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? m[4] ?? '');
}

const CALENDAR_INTERVALS = new Set(['1w', '1M', '1q', '1y']);

type Json = Record<string, unknown>;

function bucketAgg(agg: BucketAgg, range: TimeRange): Json {
  switch (agg.type) {
    case 'terms': {
      const size = Number(agg.settings.size);
      const terms: Json = { field: agg.field, size: size === 0 || Number.isNaN(size) ? 500 : size };
      if (agg.settings.min_doc_count !== undefined) terms.min_doc_count = Number(agg.settings.min_doc_count);
      if (agg.settings.missing !== undefined) terms.missing = agg.settings.missing;
      const orderBy = agg.settings.orderBy === '_term' ? '_key' : agg.settings.orderBy;
      terms.order = { [orderBy]: agg.settings.order };
      return { terms };
    }
    case 'date_histogram': {
      const interval = agg.settings.interval;
      const histogram: Json = {
        field: agg.field,
        min_doc_count: Number(agg.settings.min_doc_count),
        extended_bounds: { min: range.from.getTime(), max: range.to.getTime() },
        format: 'epoch_millis',
        ...(CALENDAR_INTERVALS.has(interval)
          ? { calendar_interval: interval }
          : { fixed_interval: interval }),
      };
      if (agg.settings.timeZone && agg.settings.timeZone !== 'utc')
        histogram.time_zone = agg.settings.timeZone;
      return { date_histogram: histogram };
    }
    case 'filters':
      return {
        filters: {
          filters: Object.fromEntries(
            agg.settings.filters.map((f) => [
              f.label || f.query,
              { query_string: { query: f.query, analyze_wildcard: true } },
            ]),
          ),
        },
      };
  }
}

function metricAgg(m: Metric, all: readonly Metric[]): Json | undefined {
  switch (m.type) {
    case 'count':
    case 'raw_data':
      return undefined;
    case 'top_metrics':
      return {
        top_metrics: {
          metrics: m.settings.metrics.map((field) => ({ field })),
          sort: [{ [m.settings.orderBy]: m.settings.order }],
        },
      };
    case 'bucket_script': {
      const paths: Record<string, string> = {};
      for (const v of m.pipelineVariables) {
        const applied = all.find((x) => x.id === v.pipelineAgg);
        if (applied) paths[v.name] = applied.type === 'count' ? '_count' : v.pipelineAgg;
      }
      return { bucket_script: { buckets_path: paths, script: m.settings.script } };
    }
    default:
      return { [m.type]: { field: m.field } };
  }
}

export interface SearchRequest {
  header: Json;
  body: Json;
}

/** The _msearch header and body Grafana sends for one target. */
export function grafanaSearch(
  target: StoredTarget,
  ds: DatasourceInfo,
  range: TimeRange,
  vars: Variables = {},
): SearchRequest {
  const header = { ignore_unavailable: true, index: ds.index, search_type: 'query_then_fetch' };
  const filter: Json[] = [
    {
      range: {
        [ds.timeField]: { gte: range.from.getTime(), lte: range.to.getTime(), format: 'epoch_millis' },
      },
    },
  ];
  const query = interpolateLucene(target.query ?? '', vars);
  if (query.trim() !== '') filter.push({ query_string: { analyze_wildcard: true, query } });
  const body: Json = { size: 0, query: { bool: { filter } } };

  const raw = target.metrics.find((m) => m.type === 'raw_data');
  if (raw && raw.type === 'raw_data') {
    body.size = Number(raw.settings.size) || 500;
    body.sort = [
      { [ds.timeField]: { order: 'desc', unmapped_type: 'boolean' } },
      { _doc: { order: 'desc' } },
    ];
    body.docvalue_fields = [ds.timeField];
    body.script_fields = {};
    return { header, body };
  }

  // Nest the bucket aggregations in order; metrics go inside the innermost.
  let level: Json = body;
  for (const agg of target.bucketAggs) {
    const node = bucketAgg(agg, range);
    if (agg.type === 'terms' && /^\d+$/.test(agg.settings.orderBy)) {
      const ordering = target.metrics.find((m) => m.id === agg.settings.orderBy);
      const metric = ordering && metricAgg(ordering, target.metrics);
      if (metric) node.aggs = { [agg.settings.orderBy]: metric };
    }
    level.aggs = { ...((level.aggs as Json | undefined) ?? {}), [agg.id]: node };
    level = node;
  }
  const metrics: Json = (level.aggs as Json | undefined) ?? {};
  for (const m of target.metrics) {
    const agg = metricAgg(m, target.metrics);
    if (agg) metrics[m.id] = agg;
  }
  if (Object.keys(metrics).length > 0) level.aggs = metrics;
  return { header, body };
}

/** The terms query of a `{"find":"terms",…}` template variable (Grafana's getTermsQuery). */
export function variableTermsSearch(
  definition: { find: 'terms'; field: string; query?: string; size?: number },
  ds: DatasourceInfo,
  range: TimeRange,
  vars: Variables = {},
): SearchRequest {
  const filter: Json[] = [
    {
      range: {
        [ds.timeField]: { gte: range.from.getTime(), lte: range.to.getTime(), format: 'epoch_millis' },
      },
    },
  ];
  if (definition.query)
    filter.push({
      query_string: { analyze_wildcard: true, query: interpolateLucene(definition.query, vars) },
    });
  return {
    header: { ignore_unavailable: true, index: ds.index, search_type: 'query_then_fetch' },
    body: {
      size: 0,
      query: { bool: { filter } },
      aggs: {
        '1': { terms: { field: definition.field, size: definition.size ?? 500, order: { _key: 'asc' } } },
      },
    },
  };
}

const DAY = 86_400_000;
const UNIT: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY, y: 365 * DAY };

/** The range a panel queries: its own relative time (timeFrom) when it has one, else the dashboard's. */
export function panelRange(panel: { timeFrom?: string }, dashboard: TimeRange, now: Date): TimeRange {
  const timeFrom = panel.timeFrom;
  if (!timeFrom) return dashboard;
  if (timeFrom === 'now/d') {
    // Start of today in the dashboard's zone (Asia/Tokyo) until the end of that day.
    const start = Math.floor((now.getTime() + TOKYO_OFFSET_MS) / DAY) * DAY - TOKYO_OFFSET_MS;
    return { from: new Date(start), to: new Date(start + DAY - 1) };
  }
  const m = /^(\d+)([mhdwy])$/.exec(timeFrom);
  if (!m) throw new Error(`panel time override not understood: ${timeFrom}`);
  return { from: new Date(now.getTime() - Number(m[1]) * (UNIT[m[2] ?? ''] ?? 0)), to: now };
}

export type Row = Record<string, unknown>;

interface Bucket {
  key: unknown;
  key_as_string?: string;
  doc_count: number;
  [agg: string]: unknown;
}

function metricValues(bucket: Bucket, metrics: readonly Metric[]): Row {
  const row: Row = {};
  for (const m of metrics) {
    if (m.type === 'count') row[m.id] = bucket.doc_count;
    else if (m.type === 'top_metrics') {
      const top = (bucket[m.id] as { top: { metrics: Record<string, unknown> }[] }).top[0];
      row[m.id] = top ? top.metrics[m.settings.metrics[0] as string] : null;
    } else if (m.type !== 'raw_data')
      row[m.id] = (bucket[m.id] as { value: unknown } | undefined)?.value ?? null;
  }
  return row;
}

/** One row per innermost bucket, or per document for raw_data. */
export function flatten(target: StoredTarget, response: Json): Row[] {
  if (target.metrics.some((m) => m.type === 'raw_data')) {
    const hits = (response.hits as { hits: { _source: Row }[] }).hits;
    return hits.map((h) => h._source);
  }
  const rows: Row[] = [];
  const walk = (node: Json, depth: number, keys: Row) => {
    const agg = target.bucketAggs[depth];
    if (!agg) {
      rows.push({ ...keys, ...metricValues(node as unknown as Bucket, target.metrics) });
      return;
    }
    const result = node[agg.id] as { buckets: Bucket[] | Record<string, Bucket> };
    const buckets = Array.isArray(result.buckets)
      ? result.buckets
      : Object.entries(result.buckets).map(([key, b]) => ({ ...b, key }));
    const name = agg.type === 'filters' ? 'filter' : agg.field;
    for (const b of buckets)
      walk(b as unknown as Json, depth + 1, { ...keys, [name]: b.key_as_string ?? b.key });
  };
  if (target.bucketAggs.length === 0) {
    rows.push(
      metricValues(
        {
          key: null,
          doc_count: (response.hits as { total: { value: number } }).total.value,
          ...((response.aggregations as Json) ?? {}),
        },
        target.metrics,
      ),
    );
    return rows;
  }
  walk((response.aggregations as Json) ?? {}, 0, {});
  return rows;
}

/** Sends requests as one _msearch, the way Grafana batches a panel's targets; returns each response. */
export async function msearch(esUrl: string, requests: readonly SearchRequest[]): Promise<Json[]> {
  const ndjson = requests.map((r) => `${JSON.stringify(r.header)}\n${JSON.stringify(r.body)}\n`).join('');
  const answer = await fetch(`${esUrl}/_msearch?max_concurrent_shard_requests=5`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ndjson,
  });
  const json = (await answer.json()) as { responses?: Json[] };
  if (!answer.ok || !json.responses)
    throw new Error(`_msearch failed (${answer.status}): ${JSON.stringify(json)}`);
  for (const r of json.responses)
    if (r.error) throw new Error(`_msearch query failed: ${JSON.stringify(r.error)}`);
  return json.responses;
}
