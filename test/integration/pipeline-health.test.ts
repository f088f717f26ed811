// Consumer lag as the pipeline-health dashboard reads it: a stage that has fallen behind shows how far, per
// group and topic, in Elasticsearch — measured from outside, because a stalled consumer cannot report itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { startLagSampler } from '../../processors/health/lag.ts';
import { createHarness, setupNamespace, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('health');
  await setupNamespace(h);
});
afterAll(async () => {
  await h.cleanup();
});

const records = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `{"n":${from + i}}` }));

describe('consumer lag', () => {
  it('is written per stage group and topic: what the group has not yet committed', async () => {
    const events = topicName(h.config, TOPICS.events);
    await h.bus.produce(events, records(0, 5));
    // A stage's group reads the first five records and commits them, then stops (as a stalled stage would).
    let seen = 0;
    const stage = await h.bus.consume({
      groupId: `${h.namespace}rmwatch.lagging-stage`,
      topics: [events],
      fromBeginning: true,
      handler: async (batch) => void (seen += batch.records.length),
    });
    const deadline = Date.now() + 60_000;
    while (seen < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stage.stop();
    await h.bus.produce(events, records(5, 7));

    const sampler = startLagSampler(h.config, h.bus, h.store, h.log);
    const at = new Date('2026-11-23T05:00:00Z');
    const lags = await sampler.sample(at);
    await sampler.stop();
    const mine = lags.filter((l) => l.group === `${h.namespace}rmwatch.lagging-stage`);
    expect(mine).toEqual([
      {
        group: `${h.namespace}rmwatch.lagging-stage`,
        topic: events,
        partitions: 6,
        committed: 5,
        end: 12,
        lag: 7,
      },
    ]);

    await h.store.refresh(indexName(h.config, 'pipeline'));
    const stored = await h.store.search(indexName(h.config, 'pipeline'), {
      query: { bool: { filter: [{ term: { group: `${h.namespace}rmwatch.lagging-stage` } }] } },
    });
    expect(stored.hits).toContainEqual({ '@timestamp': at.toISOString(), ...mine[0] });
  });

  it('leaves out groups that are not rmwatch stages (readers of other tools, table followers)', async () => {
    const lags = await h.bus.consumerLag(`${h.namespace}rmwatch.`);
    expect(lags.every((l) => l.group.startsWith(`${h.namespace}rmwatch.`))).toBe(true);
  });
});
