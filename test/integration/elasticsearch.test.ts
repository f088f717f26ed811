// The search store against the real node: idempotent ids, per-document rejection, unavailability.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSearchStore,
  SearchStoreUnavailableError,
  type IndexedDocument,
} from '../../infra/elasticsearch.ts';
import { eventsIndexFor, indexLayouts } from '../../infra/index-templates.ts';
import { CanonicalEvent, eventId } from '../../model/index.ts';
import { createHarness, esCurl, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('es');
  for (const layout of indexLayouts(h.config))
    await h.store.ensureIndexTemplate(layout.name, layout.template);
});
afterAll(async () => {
  await h.cleanup();
});

function event(i: number, overrides: object = {}): IndexedDocument {
  const raw = `<166>Nov  2 09:15:0${i % 10} asa01 %ASA-6-722051: Group <VPN> User <vnd_${i}> IP <203.0.113.${i}> IPv4 Address <10.99.0.${i}> assigned to session`;
  const document = CanonicalEvent.parse({
    '@timestamp': `2026-11-02T00:15:0${i % 10}Z`,
    event: {
      id: eventId('asa01', raw),
      action: 'vpn_session_start',
      outcome: 'success',
      dataset: 'vpn.cisco_asa',
    },
    source: { ip: `203.0.113.${i}` },
    vpn: { assigned_ip: `10.99.0.${i}` },
    user: { name: `vnd_${i}` },
    message: raw,
    ...overrides,
  });
  return { index: eventsIndexFor(h.config, document['@timestamp']), id: document.event.id, document };
}

const countByCurl = async (index: string) =>
  ((await esCurl(h.config, 'GET', `/${index}/_count`)) as { count: number }).count;

describe('search store', () => {
  it('documents bulk-indexed twice with the same ids exist once', async () => {
    const docs = Array.from({ length: 50 }, (_, i) => event(i));
    expect(await h.store.bulkIndex(docs, { refresh: true })).toEqual({ indexed: 50, rejected: [] });
    expect(await h.store.bulkIndex(docs, { refresh: true })).toEqual({ indexed: 50, rejected: [] });
    expect(await countByCurl(`${h.namespace}rm-events`)).toBe(50);
  });

  it('a document the mapping refuses is reported with its reason, and the rest of the batch is indexed', async () => {
    const good = [event(60), event(61)];
    const bad: IndexedDocument = { ...event(62), document: { ...event(62).document, unexpected_field: 'x' } };
    const wrongType: IndexedDocument = {
      ...event(63),
      document: { ...event(63).document, source: { ip: 'not-an-ip' } },
    };
    const result = await h.store.bulkIndex(
      [good[0] as IndexedDocument, bad, wrongType, good[1] as IndexedDocument],
      {
        refresh: true,
      },
    );
    expect(result.indexed).toBe(2);
    expect(result.rejected.map((r) => [r.doc.id, r.status, r.type])).toEqual([
      [bad.id, 400, 'strict_dynamic_mapping_exception'],
      [wrongType.id, 400, 'document_parsing_exception'],
    ]);
    expect(result.rejected[0]?.reason).toMatch(/unexpected_field/);
    for (const doc of good) expect(await h.store.getDocument(doc.index, doc.id)).toBeDefined();
  });

  it('Japanese text comes back from Elasticsearch exactly as it went in', async () => {
    const doc = event(70, { message: '保守業者 山田太郎 がログオンしました' });
    await h.store.bulkIndex([doc], { refresh: true });
    const hit = (await esCurl(h.config, 'GET', `/${doc.index}/_doc/${doc.id}`)) as {
      _source: { message: string };
    };
    expect(hit._source.message).toBe('保守業者 山田太郎 がログオンしました');
  });

  it('when Elasticsearch cannot be reached, bulk fails with the documents still pending (so nothing is committed)', async () => {
    const offline = createSearchStore(
      { elasticsearch: { ...h.config.elasticsearch, url: 'http://127.0.0.1:9', requestTimeoutMs: 2000 } },
      h.log,
    );
    const docs = [event(80), event(81)];
    const failure = await offline
      .bulkIndex(docs, { attempts: 2, initialBackoffMs: 10 })
      .catch((err: unknown) => err);
    await offline.close();
    expect(failure).toBeInstanceOf(SearchStoreUnavailableError);
    expect((failure as SearchStoreUnavailableError).pending.map((d) => d.id)).toEqual(docs.map((d) => d.id));
  });
});
