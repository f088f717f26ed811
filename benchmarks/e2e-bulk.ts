// The raw `_bulk` bound of the end-to-end load: the documents the pipeline made of it (canonical events and
// their raw evidence, one each per received line) taken back out of Elasticsearch, and written again into
// fresh indices from the same templates by plain `_bulk` requests — the index sink's request size and
// concurrency, no Kafka, no parsing, no stitching. What Elasticsearch on this machine takes at best.
import { randomBytes } from 'node:crypto';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { runSetup } from '../infra/setup.ts';
import { TOPICS, topicName } from '../infra/topics.ts';

export interface BulkBound {
  documents: number;
  seconds: number;
  documentsPerSecond: number;
  /** Documents per received event: each event is indexed once as an event and once as raw evidence. */
  perEvent: number;
}

interface Hit {
  _index: string;
  _id: string;
  _source: unknown;
  sort: unknown[];
}

async function takeBack(url: string, index: string, limit: number): Promise<Hit[]> {
  const hits: Hit[] = [];
  let after: unknown[] | undefined;
  while (hits.length < limit) {
    const answer = await fetch(`${url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        size: Math.min(5000, limit - hits.length),
        sort: ['_doc'],
        search_after: after,
      }),
    });
    const page = (await answer.json()) as { hits?: { hits: Hit[] } };
    const got = page.hits?.hits ?? [];
    if (got.length === 0) break;
    hits.push(...got);
    after = got.at(-1)?.sort;
  }
  return hits;
}

export async function rawBulkBound(
  config: ResolvedConfig,
  log: Logger,
  fromNamespace: string,
  events: number,
): Promise<BulkBound> {
  const url = config.elasticsearch.url;
  const docs = [
    ...(await takeBack(url, `${fromNamespace}rm-events`, events)),
    ...(await takeBack(url, `${fromNamespace}rm-evidence`, events)),
  ];
  const namespace = `bench-e2e-raw-${randomBytes(3).toString('hex')}.`;
  const scoped = { ...config, namespace };
  const bus = createMessageBus(scoped, log);
  const store = createSearchStore(scoped, log);
  try {
    await runSetup(scoped, bus, store);
    const perRequest = config.index.batch.maxDocuments;
    const bodies: string[] = [];
    for (let i = 0; i < docs.length; i += perRequest)
      bodies.push(
        docs
          .slice(i, i + perRequest)
          .map(
            (d) =>
              `${JSON.stringify({ index: { _index: namespace + d._index.slice(fromNamespace.length), _id: d._id } })}\n${JSON.stringify(d._source)}\n`,
          )
          .join(''),
      );
    const start = performance.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const response = await fetch(`${url}/_bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: bodies[i],
        });
        const answer = (await response.json()) as { errors: boolean };
        if (!response.ok || answer.errors) throw new Error(`raw _bulk failed: HTTP ${response.status}`);
      }
    };
    await Promise.all(Array.from({ length: config.index.bulkConcurrency }, worker));
    const seconds = (performance.now() - start) / 1000;
    return {
      documents: docs.length,
      seconds,
      documentsPerSecond: Math.round(docs.length / seconds),
      perEvent: 2,
    };
  } finally {
    await store.deleteIndices(`${namespace}*`).catch(() => undefined);
    await store.deleteIndexTemplates(`${namespace}*`).catch(() => undefined);
    await bus.deleteTopics(Object.values(TOPICS).map((t) => topicName(scoped, t))).catch(() => undefined);
    await Promise.all([bus.close(), store.close()]);
  }
}
