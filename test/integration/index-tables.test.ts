// Approvals and the registry reach Elasticsearch for dashboards: each latest version under its id, a
// tombstone removes the document, a record that is not valid goes to the dead letters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { registryEntityId } from '../../model/index.ts';
import { startIndexSink, type IndexSink } from '../../processors/index/sink.ts';
import { approval, cityRegistry } from '../support/city.ts';
import { createHarness, esCurl, kcat, readTopic, setupNamespace, type Harness } from '../support/harness.ts';

let h: Harness;
let indexer: IndexSink | undefined;
beforeAll(async () => {
  h = createHarness('tables');
  await setupNamespace(h);
});
afterAll(async () => {
  await indexer?.stop();
  await h.cleanup();
});

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the index sink on the approvals and registry tables', () => {
  it('indexes the latest version of each, deletes on tombstones, dead-letters what is not valid', async () => {
    const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);
    const requested = approval({
      id: 'R-1',
      start: '2026-11-24 09:00',
      end: '2026-11-24 12:00',
      status: 'requested',
    });
    const approved = { ...requested, status: 'approved' as const, approved_at: '2026-11-23T01:00:00.000Z' };
    await h.bus.produce(topic(TOPICS.approvals), [
      { key: 'R-1', value: JSON.stringify(requested) },
      { key: 'R-1', value: JSON.stringify(approved) },
      { key: 'R-bad', value: JSON.stringify({ id: 'R-bad', vendor: 'x' }) },
    ]);
    const records = cityRegistry();
    await h.bus.produce(
      topic(TOPICS.registry),
      records.map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
    );
    // The registry loses a vendor: a tombstone, written by kcat (-Z: empty value is null).
    await kcat(['-P', '-Z', '-t', topic(TOPICS.registry), '-K', '\t'], h.config, 'vendor:vendor-b\t\n');

    indexer = await startIndexSink(h.config, h.bus, h.store, h.log, { routes: ['approvals', 'registry'] });
    const approvals = indexName(h.config, 'approvals');
    const registry = indexName(h.config, 'registry');
    await until(async () => (await h.store.getDocument(approvals, 'R-1'))?.status === 'approved');
    await until(async () => (await h.store.getDocument(registry, 'operator:op-yamada')) !== undefined);
    await until(async () => (await h.store.getDocument(registry, 'vendor:vendor-b')) === undefined);

    await h.store.refresh(registry);
    const found = (await esCurl(h.config, 'POST', `/${registry}/_search`, {
      query: { term: { kind: 'vendor' } },
    })) as { hits: { hits: { _source: { id: string; entity_id: string } }[] } };
    expect(found.hits.hits.map((x) => x._source.entity_id)).toEqual(['vendor:vendor-a']);
    const letters = await readTopic(h, topic(TOPICS.deadLetter), 1);
    expect(JSON.parse(letters[0]?.value?.toString() ?? '{}')).toMatchObject({
      stage: 'index',
      source: 'R-bad',
    });
  });
});
