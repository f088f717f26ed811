// Retention against a real Elasticsearch: old monthly event indices go whole, old records go one by one,
// everything inside the periods stays, and the CLI says what it deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName, monthlyIndexFor } from '../../infra/index-templates.ts';
import { applyRetention } from '../../processors/index/retention.ts';
import { createHarness, rmwatch, setupNamespace, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('retention');
  await setupNamespace(h);
});
afterAll(async () => {
  await h.cleanup();
});

const event = (id: string, at: string) => ({
  '@timestamp': at,
  event: { id, action: 'logon', outcome: 'success', dataset: 'windows.security' },
});

async function seed(): Promise<void> {
  const events = [
    event('e-2025-09', '2025-09-30T12:00:00.000Z'),
    event('e-2025-10', '2025-10-01T00:00:00.000Z'),
    event('e-2026-11', '2026-11-20T00:00:00.000Z'),
  ];
  const sessions = indexName(h.config, 'sessions');
  const session = (id: string, lastSeen: string) => ({
    index: sessions,
    id,
    document: { id, status: 'closed', start: lastSeen, last_seen: lastSeen, updated_at: lastSeen },
  });
  await h.store.bulkIndex(
    [
      ...events.map((e) => ({
        index: monthlyIndexFor(h.config, 'events', e['@timestamp']),
        id: e.event.id,
        document: e,
      })),
      // Fiscal 2020 ended on 2021-03-31 in Japan; fiscal 2021 began a second later.
      session('s-fy2020', '2021-03-31T14:59:59.000Z'),
      session('s-fy2021', '2021-03-31T15:00:00.000Z'),
      session('s-now', '2026-11-20T00:00:00.000Z'),
    ],
    { refresh: true },
  );
}

describe('retention', () => {
  it('deletes what is older than the periods, and nothing else', async () => {
    await seed();
    const now = new Date('2026-11-23T03:00:00Z');
    const report = await applyRetention(h.config, h.store, h.log, { now });

    expect(report.deletedIndices).toEqual([`${indexName(h.config, 'events')}-2025.09`]);
    expect(report.deletedRecords).toEqual([
      { index: indexName(h.config, 'sessions'), count: 1, before: '2021-03-31T15:00:00.000Z' },
    ]);
    const sessions = indexName(h.config, 'sessions');
    expect(await h.store.getDocument(sessions, 's-fy2020')).toBeUndefined();
    expect(await h.store.getDocument(sessions, 's-fy2021')).toBeDefined();
    expect(await h.store.count(indexName(h.config, 'events'))).toBe(2);

    // Applying it again finds nothing more to delete.
    expect(await applyRetention(h.config, h.store, h.log, { now })).toEqual({
      deletedIndices: [],
      deletedRecords: [],
    });
  });

  it('lets the command line show what it would delete without deleting it', async () => {
    const old = monthlyIndexFor(h.config, 'events', '2019-01-15T00:00:00.000Z');
    await h.store.bulkIndex(
      [{ index: old, id: 'e-2019', document: event('e-2019', '2019-01-15T00:00:00.000Z') }],
      {
        refresh: true,
      },
    );
    const dry = await rmwatch(['retention', '--dry-run'], h.env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would delete index ${old}`);
    expect(await h.store.listIndices(old)).toEqual([old]);

    const real = await rmwatch(['retention'], h.env);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`deleted index ${old}`);
    expect(await h.store.listIndices(`${indexName(h.config, 'events')}-2019*`)).toEqual([]);
  });
});
