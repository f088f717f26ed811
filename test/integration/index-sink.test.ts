// The Elasticsearch sink against a real Kafka and a real Elasticsearch: every record of every topic reaches
// its index once under its model id, whatever is delivered twice; what Elasticsearch refuses goes to the dead
// letters with the reason and the partition moves on; while Elasticsearch is down nothing is committed, and
// after it is back every event is there exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName, monthlyIndexFor } from '../../infra/index-templates.ts';
import { stackDown, stackUp } from '../../infra/stack/stack.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import type { CanonicalEvent } from '../../model/event.ts';
import type { Finding } from '../../model/finding.ts';
import { startIndexSink, type IndexSink } from '../../processors/index/sink.ts';
import { cityDay, cityRegistry } from '../support/city.ts';
import { correlate, normalizeLines } from '../support/correlate.ts';
import { createHarness, kcat, readTopic, setupNamespace, type Harness } from '../support/harness.ts';

let h: Harness;
const sinks: IndexSink[] = [];
beforeAll(async () => {
  h = createHarness('sink');
  await setupNamespace(h);
});
afterAll(async () => {
  for (const s of sinks) await s.stop();
  await h.cleanup();
});

const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(h.config, t);

async function until(check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // An index the sink is creating answers with errors for a moment: that is "not yet".
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function sink(group: string, routes?: Parameters<typeof startIndexSink>[4]): Promise<IndexSink> {
  const s = await startIndexSink(h.config, h.bus, h.store, h.log, {
    group: `${h.namespace}${group}`,
    ...routes,
  });
  sinks.push(s);
  return s;
}

async function countIn(kind: Parameters<typeof indexName>[1], query?: object): Promise<number> {
  await h.store.refresh(indexName(h.config, kind));
  return h.store.count(indexName(h.config, kind), query);
}

/** The city's day (test/support/city.ts) as the correlator makes it: events, sessions, findings, notices. */
function cityDayOutcome() {
  const { lines, approvals } = cityDay();
  const outcome = correlate(lines, { registry: cityRegistry(), approvals });
  return { events: normalizeLines(lines), outcome };
}

describe('the index sink', () => {
  beforeAll(async () => {
    await sink('first');
  });

  it('writes every topic to its index under the model ids, and a second delivery changes nothing', async () => {
    const { events, outcome } = cityDayOutcome();
    const keyed = <T>(records: readonly T[], key: (r: T) => string) =>
      records.map((r) => ({ key: key(r), value: JSON.stringify(r) }));
    await h.bus.produce(
      topic(TOPICS.events),
      keyed(events, (e) => e.user?.name ?? 'host'),
    );
    const sessions = outcome.sessions;
    await h.bus.produce(
      topic(TOPICS.sessions),
      keyed(sessions, (x) => x.id),
    );
    await h.bus.produce(
      topic(TOPICS.findings),
      keyed(outcome.written, (f) => f.id),
    );
    await h.bus.produce(
      topic(TOPICS.notices),
      keyed(outcome.notices, (n) => n.session_id),
    );
    await h.bus.produce(
      topic(TOPICS.reconciliations),
      keyed(outcome.reconciliations, (r) => r.id),
    );

    const findingIds = new Set(outcome.written.map((f) => f.id));
    expect(outcome.findings.map((f) => f.rule)).toContain('out_of_window');
    await until(async () => (await countIn('events')) === events.length);
    await until(async () => (await countIn('findings')) === findingIds.size);
    await until(async () => (await countIn('sessions')) === sessions.length);
    await until(async () => (await countIn('notices')) === outcome.notices.length);
    await until(async () => (await countIn('reconciliations')) === outcome.reconciliations.length);

    // Events are in the month of their time, behind the alias.
    const october = `${indexName(h.config, 'events')}-2026.10`;
    expect(await h.store.count(october)).toBe(events.length);
    const first = events[0] as CanonicalEvent;
    expect(await h.store.getDocument(october, first.event.id)).toMatchObject({ event: first.event });

    // The same records read again by another group: overwritten, not doubled.
    const again = await sink('second');
    await until(async () => again.counters.get('events_indexed') === events.length);
    await until(async () => again.counters.get('findings_indexed') >= findingIds.size);
    expect(await countIn('events')).toBe(events.length);
    expect(await countIn('findings')).toBe(findingIds.size);
    expect(await countIn('sessions')).toBe(sessions.length);
    // It found five topics' partitions waiting, and wrote what one fetch brought of them together.
    expect(again.counters.get('bulk_requests')).toBeLessThan(5);
    await again.stop();
    sinks.splice(sinks.indexOf(again), 1);
  });

  it("keeps the security office's disposition of a finding through later versions of it", async () => {
    const { outcome } = cityDayOutcome();
    const finding = outcome.findings.find((f) => f.rule === 'out_of_window') as Finding;
    const findings = indexName(h.config, 'findings');
    await until(async () => (await h.store.getDocument(findings, finding.id)) !== undefined);
    const disposition = { status: 'acknowledged', by: 'security:tanaka', at: '2026-10-06T00:00:00.000Z' };
    expect(await h.store.updateDocument(findings, finding.id, { disposition })).toBe(true);

    const later = {
      ...finding,
      message: `${finding.message}（再評価）`,
      updated_at: '2026-10-07T00:00:00.000Z',
    };
    await kcat(
      ['-P', '-t', topic(TOPICS.findings), '-K', '\t'],
      h.config,
      `${later.id}\t${JSON.stringify(later)}\n`,
    );
    await until(
      async () => (await h.store.getDocument(findings, finding.id))?.updated_at === later.updated_at,
    );
    expect(await h.store.getDocument(findings, finding.id)).toMatchObject({
      message: later.message,
      disposition,
    });
  });

  it('sends what Elasticsearch refuses to the dead letters with the reason, and moves on', async () => {
    const { events } = cityDayOutcome();
    const base = events[0] as CanonicalEvent;
    // Valid to the model, but a keyword Lucene cannot hold (over 32 KiB): Elasticsearch refuses the document.
    const immense: CanonicalEvent = {
      ...base,
      event: { ...base.event, id: 'immense-file-path' },
      file: { path: `\\\\APP01\\share\\${'長い名前'.repeat(3000)}.txt` },
    };
    // Placed by its front (time and id, as the normaliser writes them) but broken after it: the sink sends
    // the bytes as they are, and Elasticsearch's refusal puts it in the dead letters.
    const brokenTail = JSON.stringify({ ...base, event: { ...base.event, id: 'broken-tail' } }).slice(0, -20);
    const after: CanonicalEvent = { ...base, event: { ...base.event, id: 'after-the-refused-one' } };
    await kcat(
      ['-P', '-t', topic(TOPICS.events), '-K', '\t'],
      h.config,
      [
        `k\t${JSON.stringify(immense)}`,
        'k\tnot json at all',
        `k\t${brokenTail}`,
        `k\t${JSON.stringify(after)}`,
      ].join('\n') + '\n',
    );
    const october = `${indexName(h.config, 'events')}-2026.10`;
    await until(async () => (await h.store.getDocument(october, after.event.id)) !== undefined);
    expect(await h.store.getDocument(october, immense.event.id)).toBeUndefined();
    expect(await h.store.getDocument(october, 'broken-tail')).toBeUndefined();

    const letters = await readTopic(h, topic(TOPICS.deadLetter), (r) => r.length >= 3);
    const reasons = letters.map(
      (l) => JSON.parse(l.value?.toString() ?? '{}') as { stage: string; error: string; raw: string },
    );
    expect(reasons.map((r) => r.stage)).toEqual(['index', 'index', 'index']);
    expect(reasons.filter((r) => r.error.startsWith('Elasticsearch refused it'))).toHaveLength(2);
    // Elasticsearch quotes the whole refused value; the letter keeps the reason readable.
    expect(Math.max(...reasons.map((r) => r.error.length))).toBeLessThanOrEqual(600);
    expect(reasons.find((r) => r.error.startsWith('Elasticsearch refused it'))?.error).toMatch(
      /failed to parse field \[file\.path\]/,
    );
    expect(reasons.find((r) => r.error.startsWith('not JSON'))).toBeDefined();
    // The raw bytes travel with the letter: the refused event can be repaired and replayed.
    const refused = reasons.find((r) => r.error.startsWith('Elasticsearch refused it'));
    expect(Buffer.from(refused?.raw ?? '', 'base64').toString('utf8')).toContain('長い名前');
  });

  it('indexes an event written by another producer (other field order, over several lines) whole', async () => {
    const { events } = cityDayOutcome();
    const base = events[0] as CanonicalEvent;
    const { '@timestamp': at, ...rest } = { ...base, event: { ...base.event, id: 'pretty-printed' } };
    await h.bus.produce(topic(TOPICS.events), [
      { key: 'k', value: JSON.stringify({ ...rest, '@timestamp': at }, null, 2) },
    ]);
    const index = monthlyIndexFor(h.config, 'events', at);
    await until(async () => (await h.store.getDocument(index, 'pretty-printed')) !== undefined);
    expect(await h.store.getDocument(index, 'pretty-printed')).toEqual({ ...rest, '@timestamp': at });
  });

  it('waits while Elasticsearch is stopped and, once it is back, has every event exactly once', async () => {
    const outage = await sink('outage', { routes: ['events'] });
    const day = (i: number): CanonicalEvent => ({
      '@timestamp': new Date(Date.UTC(2026, 10, 2, 0, 0, i)).toISOString(),
      event: { id: `outage-${i}`, action: 'logon', outcome: 'success', dataset: 'windows.security' },
      host: { name: 'APP01.city.local' },
      user: { name: `vnd_${i % 7}` },
    });
    const send = (from: number, to: number) =>
      kcat(
        ['-P', '-t', topic(TOPICS.events), '-K', '\t'],
        h.config,
        Array.from(
          { length: to - from },
          (_, k) => `vnd_${(from + k) % 7}\t${JSON.stringify(day(from + k))}`,
        ).join('\n') + '\n',
      );
    const november = `${indexName(h.config, 'events')}-2026.11`;
    const inNovember = async () => {
      await h.store.refresh(november);
      return h.store.count(november, { prefix: { 'event.id': 'outage-' } });
    };

    await send(0, 500);
    await until(async () => (await inNovember()) === 500);

    await stackDown(h.config, h.log, ['elasticsearch']);
    await send(500, 1500);
    // The sink keeps trying the batch it holds: it says so and commits nothing.
    await until(async () => outage.counters.get('unavailable') > 0);
    await send(1500, 2000);
    await stackUp(h.config, h.log);

    await until(async () => (await inNovember()) === 2000, 180_000);
    const ids = await h.store.query(november, {
      size: 0,
      query: { prefix: { 'event.id': 'outage-' } },
      aggs: { distinct: { cardinality: { field: 'event.id', precision_threshold: 4000 } } },
    });
    expect((ids.aggregations?.distinct as { value: number }).value).toBe(2000);
  });
});
