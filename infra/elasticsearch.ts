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
  /** Remove the document instead (a tombstone on a compacted topic); `document` is ignored. */
  delete?: boolean;
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
  constructor(
    message: string,
    readonly pending: readonly IndexedDocument[],
  ) {
    super(message);
    this.name = 'SearchStoreUnavailableError';
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
  refresh(index: string): Promise<void>;
  deleteIndices(pattern: string): Promise<void>;
  deleteIndexTemplates(pattern: string): Promise<void>;
  /** The modules the node runs (the integ-test distribution lacks many). */
  modules(): Promise<string[]>;
  waitUntilReady(timeoutMs: number): Promise<{ status: string; version: string }>;
  close(): Promise<void>;
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
          response = await client.bulk({
            refresh: options.refresh ? 'wait_for' : false,
            operations: pending.flatMap((d) =>
              d.delete
                ? [{ delete: { _index: d.index, _id: d.id } }]
                : [{ index: { _index: d.index, _id: d.id } }, d.document],
            ),
          });
        } catch (err) {
          if (!isTransient(err)) throw err;
          lastProblem = describeError(err);
          log.warn(
            { attempt, attempts, documents: pending.length, problem: lastProblem },
            'bulk request failed',
          );
          continue;
        }
        const retry: IndexedDocument[] = [];
        response.items.forEach((item, i) => {
          const result = item.index ?? item.delete;
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
      const result = await client.search<Record<string, unknown>>({ index, ...body });
      const total =
        typeof result.hits.total === 'number' ? result.hits.total : (result.hits.total?.value ?? 0);
      return { total, hits: result.hits.hits.map((h) => h._source ?? {}) };
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
