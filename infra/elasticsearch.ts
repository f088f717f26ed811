// The search store: the only module that imports the Elasticsearch client.
// Contract: bulk-index documents under the model's ids (so a redelivery overwrites), retry what
// Elasticsearch asks to retry, and report every document it rejected with the reason; keep index
// templates and indices in the shape setup asks for.
import { createHash } from 'node:crypto';
import { Client, errors } from '@elastic/elasticsearch';
import type { ResolvedConfig } from './config.ts';
import type { Logger } from './logger.ts';

export interface IndexedDocument {
  index: string;
  id: string;
  document: object;
  /**
   * The same document as one line of JSON (UTF-8 bytes), when the caller has it already (a Kafka record's
   * value): sent as it is instead of serialising `document` again. `document` then need only hold what placed
   * the document (its id and time).
   */
  source?: Uint8Array;
  /** Remove the document instead (a tombstone on a compacted topic); `document` is ignored. */
  delete?: boolean;
  /**
   * Merge `document` into the stored one (creating it when absent) instead of replacing it: fields others
   * write to the same document (a finding's disposition) survive a redelivery.
   */
  upsert?: boolean;
}

export interface SearchHit {
  index: string;
  id: string;
  source: Record<string, unknown>;
  sort?: unknown[];
}

export interface SearchResponse {
  total: number;
  hits: SearchHit[];
  aggregations?: Record<string, unknown>;
}

export interface BulkFailure {
  doc: IndexedDocument;
  status: number;
  type: string;
  reason: string;
}

export interface BulkResult {
  indexed: number;
  /** Documents Elasticsearch refused for good (mapping errors and the like): the caller dead-letters them. */
  rejected: BulkFailure[];
}

export interface BulkOptions {
  /** Make the documents searchable before returning. */
  refresh?: boolean;
  /** Attempts for documents (or whole requests) Elasticsearch asked to retry; default 5. */
  attempts?: number;
  initialBackoffMs?: number;
}

/** Elasticsearch could not be reached or kept refusing for `attempts` tries: nothing may be committed. */
export class SearchStoreUnavailableError extends Error {
  /** The documents not written; not enumerable, so that a logged error does not carry every one of them. */
  declare readonly pending: readonly IndexedDocument[];

  constructor(message: string, pending: readonly IndexedDocument[]) {
    super(message);
    this.name = 'SearchStoreUnavailableError';
    Object.defineProperty(this, 'pending', { value: pending, enumerable: false });
  }
}

export interface IndexTemplate {
  index_patterns: string[];
  priority?: number;
  template: {
    settings?: Record<string, unknown>;
    mappings: {
      properties: Record<string, unknown>;
      dynamic?: 'strict' | boolean;
      _meta?: Record<string, unknown>;
    };
    aliases?: Record<string, object>;
  };
}

export type SchemaChange = 'created' | 'updated' | 'unchanged';

export interface SearchStore {
  bulkIndex(docs: readonly IndexedDocument[], options?: BulkOptions): Promise<BulkResult>;
  /** Creates or replaces a template; `unchanged` when its content hash matches. */
  ensureIndexTemplate(name: string, template: IndexTemplate): Promise<SchemaChange>;
  /** Creates an index from its template; brings an existing one's mapping up to the template's. */
  ensureIndex(name: string, template: IndexTemplate): Promise<SchemaChange>;
  getDocument(index: string, id: string): Promise<Record<string, unknown> | undefined>;
  count(index: string, query?: object): Promise<number>;
  search(index: string, body: object): Promise<{ total: number; hits: Record<string, unknown>[] }>;
  /** A search with each hit's index, id and sort values, and the aggregations. */
  query(index: string, body: object): Promise<SearchResponse>;
  /** The documents that exist among `docs` (realtime: no refresh needed), keyed `index/id`. */
  getMany(docs: readonly { index: string; id: string }[]): Promise<Map<string, Record<string, unknown>>>;
  /** Merges `partial` into an existing document; false when there is none. */
  updateDocument(
    index: string,
    id: string,
    partial: object,
    options?: { refresh?: boolean },
  ): Promise<boolean>;
  /** Concrete index names matching a pattern, sorted. */
  listIndices(pattern: string): Promise<string[]>;
  refresh(index: string): Promise<void>;
  deleteIndices(pattern: string): Promise<void>;
  deleteIndexTemplates(pattern: string): Promise<void>;
  /** The modules the node runs (the integ-test distribution lacks many). */
  modules(): Promise<string[]>;
  waitUntilReady(timeoutMs: number): Promise<{ status: string; version: string }>;
  close(): Promise<void>;
}

const NEWLINE = Buffer.from('\n');

/**
 * A `_bulk` body as bytes: the documents that came as bytes (events) are neither parsed and serialised again
 * nor decoded to text and encoded back, which is most of what a sink spends per document besides Kafka.
 */
function bulkBody(docs: readonly IndexedDocument[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const d of docs) {
    const target = `{"_index":${JSON.stringify(d.index)},"_id":${JSON.stringify(d.id)}}`;
    if (d.delete) parts.push(Buffer.from(`{"delete":${target}}\n`));
    else if (d.upsert)
      parts.push(
        Buffer.from(`{"update":${target}}\n${JSON.stringify({ doc: d.document, doc_as_upsert: true })}\n`),
      );
    else if (d.source) parts.push(Buffer.from(`{"index":${target}}\n`), d.source, NEWLINE);
    else parts.push(Buffer.from(`{"index":${target}}\n${JSON.stringify(d.document)}\n`));
  }
  return Buffer.concat(parts);
}

const SCHEMA_HASH_KEY = 'rmwatch_schema_hash';

export function createSearchStore(config: Pick<ResolvedConfig, 'elasticsearch'>, log: Logger): SearchStore {
  const settings = config.elasticsearch;
  const client = new Client({
    node: settings.url,
    auth: settings.apiKey
      ? { apiKey: settings.apiKey }
      : settings.username && settings.password
        ? { username: settings.username, password: settings.password }
        : undefined,
    requestTimeout: settings.requestTimeoutMs,
    // Whole-request retries are ours (with back-off), so the client must not retry on top of them.
    maxRetries: 0,
  });

  const templateHash = (template: IndexTemplate): string =>
    createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16);

  const withHash = (template: IndexTemplate): IndexTemplate => ({
    ...template,
    template: {
      ...template.template,
      mappings: {
        ...template.template.mappings,
        _meta: { ...template.template.mappings._meta, [SCHEMA_HASH_KEY]: templateHash(template) },
      },
    },
  });

  const query: SearchStore['query'] = async (index, body) => {
    const result = await client.search<Record<string, unknown>>({ index, ...body });
    const total = typeof result.hits.total === 'number' ? result.hits.total : (result.hits.total?.value ?? 0);
    return {
      total,
      hits: result.hits.hits.map((h) => {
        const hit: SearchHit = { index: h._index, id: h._id ?? '', source: h._source ?? {} };
        if (h.sort) hit.sort = h.sort;
        return hit;
      }),
      aggregations: result.aggregations as Record<string, unknown> | undefined,
    };
  };

  return {
    async bulkIndex(docs, options = {}) {
      const attempts = options.attempts ?? 5;
      const initialBackoffMs = options.initialBackoffMs ?? 250;
      const rejected: BulkFailure[] = [];
      let pending = [...docs];
      let indexed = 0;
      let lastProblem = '';
      for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
        if (attempt > 1) await sleep(Math.min(30_000, initialBackoffMs * 2 ** (attempt - 2)));
        let response;
        try {
          response = (await client.transport.request({
            method: 'POST',
            path: '/_bulk',
            querystring: {
              refresh: options.refresh ? 'wait_for' : 'false',
              // Each item's outcome is all we read: a third of the answer's size, and of its parsing.
              filter_path: 'errors,items.*.status,items.*.error',
            },
            bulkBody: bulkBody(pending),
          })) as BulkAnswer;
        } catch (err) {
          if (!isTransient(err)) throw err;
          lastProblem = describeError(err);
          // The first failure is news; the retries that follow it are detail (the caller reports giving up).
          (attempt === 1 ? log.warn : log.debug).call(
            log,
            { attempt, attempts, documents: pending.length, problem: lastProblem },
            'bulk request failed',
          );
          continue;
        }
        const retry: IndexedDocument[] = [];
        (response.items ?? []).forEach((item, i) => {
          const result = item.index ?? item.delete ?? item.update;
          const doc = pending[i];
          if (!result || !doc) return;
          // Deleting what is already gone is done.
          if (!result.error || (doc.delete && result.status === 404)) {
            indexed++;
          } else if (result.status === 429 || result.status >= 500) {
            retry.push(doc);
            lastProblem = `${result.error.type}: ${result.error.reason ?? ''}`;
          } else {
            rejected.push({
              doc,
              status: result.status,
              type: result.error.type,
              reason: result.error.reason ?? result.error.type,
            });
          }
        });
        pending = retry;
      }
      if (pending.length > 0) {
        throw new SearchStoreUnavailableError(
          `Elasticsearch did not take ${pending.length} document(s) after ${attempts} attempts: ${lastProblem}`,
          pending,
        );
      }
      return { indexed, rejected };
    },

    async ensureIndexTemplate(name, template) {
      const desired = withHash(template);
      const want = desired.template.mappings._meta?.[SCHEMA_HASH_KEY];
      let existed = false;
      try {
        const current = await client.indices.getIndexTemplate({ name });
        const found = current.index_templates.find((t) => t.name === name);
        existed = found !== undefined;
        if (found?.index_template.template?.mappings?._meta?.[SCHEMA_HASH_KEY] === want) return 'unchanged';
      } catch (err) {
        if (!(err instanceof errors.ResponseError && err.statusCode === 404)) throw err;
      }
      await client.indices.putIndexTemplate({ name, ...desired } as Parameters<
        typeof client.indices.putIndexTemplate
      >[0]);
      return existed ? 'updated' : 'created';
    },

    async ensureIndex(name, template) {
      const desired = withHash(template);
      const want = desired.template.mappings._meta?.[SCHEMA_HASH_KEY];
      if (!(await client.indices.exists({ index: name }))) {
        try {
          await client.indices.create({ index: name });
          return 'created';
        } catch (err) {
          // Another instance created it between our check and our request.
          if (
            err instanceof errors.ResponseError &&
            err.body?.error?.type === 'resource_already_exists_exception'
          )
            return 'unchanged';
          throw err;
        }
      }
      const mapping = await client.indices.getMapping({ index: name });
      const current = Object.values(mapping)[0]?.mappings._meta?.[SCHEMA_HASH_KEY];
      if (current === want) return 'unchanged';
      // New fields are added in place; a changed field type is refused and surfaces as an error.
      await client.indices.putMapping({
        index: name,
        properties: desired.template.mappings.properties,
        _meta: desired.template.mappings._meta,
      } as Parameters<typeof client.indices.putMapping>[0]);
      return 'updated';
    },

    async getDocument(index, id) {
      try {
        const doc = await client.get<Record<string, unknown>>({ index, id });
        return doc._source;
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return undefined;
        throw err;
      }
    },

    async count(index, query) {
      const result = await client.count({ index, query, ignore_unavailable: true, allow_no_indices: true });
      return result.count;
    },

    async search(index, body) {
      const found = await query(index, body);
      return { total: found.total, hits: found.hits.map((h) => h.source) };
    },

    query,

    async getMany(docs) {
      const found = new Map<string, Record<string, unknown>>();
      if (docs.length === 0) return found;
      const result = await client.mget<Record<string, unknown>>({
        docs: docs.map((d) => ({ _index: d.index, _id: d.id })),
      });
      for (const doc of result.docs) {
        if ('found' in doc && doc.found && doc._source) found.set(`${doc._index}/${doc._id}`, doc._source);
      }
      return found;
    },

    async updateDocument(index, id, partial, options = {}) {
      try {
        await client.update({ index, id, doc: partial, refresh: options.refresh ? 'wait_for' : false });
        return true;
      } catch (err) {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return false;
        throw err;
      }
    },

    async listIndices(pattern) {
      const result = await client.cat.indices({ index: pattern, format: 'json', h: 'index' });
      return result
        .map((r) => r.index)
        .filter((n): n is string => typeof n === 'string')
        .sort();
    },

    async refresh(index) {
      await client.indices.refresh({ index, ignore_unavailable: true, allow_no_indices: true });
    },

    async deleteIndices(pattern) {
      await client.indices.delete({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
    },

    async deleteIndexTemplates(pattern) {
      try {
        await client.indices.deleteIndexTemplate({ name: pattern });
      } catch (err) {
        if (!(err instanceof errors.ResponseError && err.statusCode === 404)) throw err;
      }
    },

    async modules() {
      const info = await client.nodes.info({ metric: 'plugins' });
      const names = new Set<string>();
      for (const node of Object.values(info.nodes)) for (const m of node.modules ?? []) names.add(m.name);
      return [...names].sort();
    },

    async waitUntilReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let lastProblem = '';
      while (Date.now() < deadline) {
        try {
          const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' });
          if (health.status !== 'red' && !health.timed_out) {
            // The integ-test distribution answers `GET /` with 405, so the version comes from the node list.
            const info = await client.nodes.info({ node_id: '_local', metric: '_none' });
            const version = Object.values(info.nodes)[0]?.version ?? 'unknown';
            return { status: health.status, version };
          }
          lastProblem = `cluster status ${health.status}`;
        } catch (err) {
          lastProblem = describeError(err);
        }
        await sleep(500);
      }
      throw new Error(`Elasticsearch at ${settings.url} not ready after ${timeoutMs} ms: ${lastProblem}`);
    },

    async close() {
      await client.close();
    },
  };
}

/** What a bulk answer says of each item, as far as the `filter_path` of the request keeps it. */
interface BulkItemResult {
  status: number;
  error?: { type: string; reason?: string | null };
}
interface BulkAnswer {
  errors: boolean;
  items?: Partial<Record<'index' | 'delete' | 'update' | 'create', BulkItemResult>>[];
}

/**
 * Every hit of a sorted search, a page of `pageSize` at a time (`search_after`). `sort` must end in a
 * field unique per document, so that no page repeats or skips a hit; `body` holds the query and anything
 * else the search takes (`_source`, `ignore_unavailable`, …).
 */
export async function* searchAfter(
  store: Pick<SearchStore, 'query'>,
  index: string,
  body: { sort: object[] } & Record<string, unknown>,
  pageSize: number,
): AsyncGenerator<SearchHit> {
  let after: unknown[] | undefined;
  for (;;) {
    const page = await store.query(index, {
      ...body,
      size: pageSize,
      track_total_hits: false,
      ...(after ? { search_after: after } : {}),
    });
    yield* page.hits;
    const last = page.hits.at(-1);
    if (page.hits.length < pageSize || !last?.sort) return;
    after = last.sort;
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) return true;
  if (err instanceof errors.NoLivingConnectionsError) return true;
  return err instanceof errors.ResponseError && (err.statusCode === 429 || (err.statusCode ?? 0) >= 500);
}

function describeError(err: unknown): string {
  if (err instanceof errors.ResponseError) return `HTTP ${err.statusCode ?? '?'}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
