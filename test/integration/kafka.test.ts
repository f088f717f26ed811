// The message bus against the real broker: order, commit-after-success, redelivery, and the real kcat client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingRecord, RecordBatch } from '../../infra/kafka.ts';
import { createHarness, kcat, readTopic, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('kafka');
});
afterAll(async () => {
  await h.cleanup();
});

async function freshTopic(name: string, partitions = 1): Promise<string> {
  const topic = `${h.namespace}${name}`;
  await h.bus.ensureTopics([{ name: topic, partitions, replicationFactor: 1, configs: {} }]);
  return topic;
}

function until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

/** The group's committed offset of partition 0. */
const committedOffset = (groupId: string, topic: string) =>
  h.bus.committedOffsets(groupId, topic).then((offsets) => offsets.get(0));

/** Waits up to 30 s for the group to commit `offset`; the test then says what it found. */
async function untilCommitted(groupId: string, topic: string, offset: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await committedOffset(groupId, topic)) !== offset && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
}

const values = (records: readonly IncomingRecord[]) => records.map((r) => r.value?.toString('utf8'));

describe('message bus', () => {
  it('a batch produced through the adapter is consumed back in order, keys, headers and Japanese text intact', async () => {
    const topic = await freshTopic('order');
    const sent = Array.from({ length: 500 }, (_, i) => `record ${i} 作業者=山田`);
    await h.bus.produce(
      topic,
      sent.map((value, i) => ({ key: 'jump01', value, headers: { seq: String(i) } })),
    );
    const seen = await readTopic(h, topic, sent.length);
    expect(values(seen)).toEqual(sent);
    expect(seen.every((r) => r.key === 'jump01')).toBe(true);
    expect(seen.map((r) => r.headers.seq)).toEqual(sent.map((_, i) => String(i)));
  });

  it('the offset is committed only after the handler succeeded; a failing handler gets the same records again', async () => {
    const topic = await freshTopic('redeliver');
    const groupId = `${h.namespace}redeliver`;
    await h.bus.produce(
      topic,
      ['a', 'b', 'c'].map((value) => ({ key: null, value })),
    );

    const deliveries: string[][] = [];
    let committedWhileFailing: string | undefined;
    let failuresLeft = 2;
    const consumption = await h.bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      retry: { initialMs: 50, maxMs: 200 },
      handler: async (batch: RecordBatch) => {
        deliveries.push(values(batch.records) as string[]);
        if (failuresLeft > 0) {
          failuresLeft--;
          committedWhileFailing = (await h.bus.committedOffsets(groupId, topic)).get(0);
          throw new Error('downstream write failed');
        }
      },
    });
    await until(() => failuresLeft === 0 && deliveries.length >= 3, 'a successful delivery');
    await until(() => false, 'settle', 300).catch(() => undefined);
    await consumption.stop();

    expect(deliveries).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(committedWhileFailing).toBe('-1');
    expect((await h.bus.committedOffsets(groupId, topic)).get(0)).toBe('3');
  });

  it('a consumer that stops before its handler succeeded leaves the records to the next member of the group', async () => {
    const topic = await freshTopic('takeover');
    const groupId = `${h.namespace}takeover`;
    await h.bus.produce(
      topic,
      ['x', 'y'].map((value) => ({ key: null, value })),
    );

    let attempts = 0;
    const failing = await h.bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      retry: { initialMs: 50, maxMs: 100 },
      handler: async () => {
        attempts++;
        throw new Error('Elasticsearch is down');
      },
    });
    await until(() => attempts >= 2, 'the first consumer to fail');
    await failing.stop();
    expect((await h.bus.committedOffsets(groupId, topic)).get(0)).toBe('-1');

    const seen: IncomingRecord[] = [];
    const healthy = await h.bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (batch) => void seen.push(...batch.records),
    });
    await until(() => seen.length >= 2, 'the records to be redelivered');
    await healthy.stop();
    expect(values(seen)).toEqual(['x', 'y']);
    expect((await h.bus.committedOffsets(groupId, topic)).get(0)).toBe('2');
  });

  it('a batch that takes longer than the session timeout keeps its member: handed over once, then committed', async () => {
    const topic = await freshTopic('long');
    const groupId = `${h.namespace}long`;
    await h.bus.produce(
      topic,
      ['x', 'y'].map((value) => ({ key: null, value })),
    );
    const deliveries: string[][] = [];
    let joins = 0;
    const consumption = await h.bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      // The broker's least; the batch takes half as long again.
      sessionTimeoutMs: 6000,
      onAssignment: () => void joins++,
      handler: async (batch) => {
        deliveries.push(values(batch.records) as string[]);
        await new Promise((r) => setTimeout(r, 9000));
      },
    });
    await untilCommitted(groupId, topic, '2');
    await consumption.stop();
    expect(await committedOffset(groupId, topic)).toBe('2');
    expect(deliveries).toEqual([['x', 'y']]);
    expect(joins).toBe(1);
  });

  it('a batch that outlasts its longest handling time is not committed; the consumer rejoins and gets it again rather than crash', async () => {
    const topic = await freshTopic('slow');
    const groupId = `${h.namespace}slow`;
    await h.bus.produce(
      topic,
      ['x', 'y'].map((value) => ({ key: null, value })),
    );
    const deliveries: string[][] = [];
    const consumption = await h.bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      // After 1 s of handling the member stops heartbeating; 6 s later (the broker's least session timeout)
      // the group drops it while the first batch still works.
      sessionTimeoutMs: 6000,
      maxHandlingMs: 1000,
      handler: async (batch) => {
        deliveries.push(values(batch.records) as string[]);
        if (deliveries.length === 1) await new Promise((r) => setTimeout(r, 9000));
      },
    });
    await until(() => deliveries.length >= 2, 'the batch handed over again');
    await untilCommitted(groupId, topic, '2');
    await consumption.stop();
    expect(deliveries).toEqual([
      ['x', 'y'],
      ['x', 'y'],
    ]);
    expect(await committedOffset(groupId, topic)).toBe('2');
  });

  it('records written by kcat are read by the adapter, and records the adapter writes are read by kcat', async () => {
    const topic = await freshTopic('kcat');
    await kcat(['-P', '-t', topic, '-K', '\t'], h.config, 'asa01\tfrom kcat 1\nasa01\tfrom kcat 2 保守\n');
    await h.bus.produce(topic, [{ key: 'asa01', value: 'from rmwatch 3' }]);

    const seen = await readTopic(h, topic, 3);
    expect(values(seen)).toEqual(['from kcat 1', 'from kcat 2 保守', 'from rmwatch 3']);

    const read = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n'], h.config);
    expect(read.stdout.trim().split('\n')).toEqual([
      'asa01=from kcat 1',
      'asa01=from kcat 2 保守',
      'asa01=from rmwatch 3',
    ]);
  });

  it('records with one key stay in order within their partition across a multi-partition topic', async () => {
    const topic = await freshTopic('keyed', 3);
    const keys = ['vnd_yamada', 'vnd_suzuki', 'hoshu'];
    await h.bus.produce(
      topic,
      Array.from({ length: 300 }, (_, i) => ({ key: keys[i % 3] ?? null, value: String(i) })),
    );
    const seen = await readTopic(h, topic, 300);
    expect(seen).toHaveLength(300);
    for (const key of keys) {
      const mine = seen.filter((r) => r.key === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const numbers = mine.map((r) => Number(r.value?.toString()));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
  });

  it('a key goes to the partition the Java client’s partitioner gives it, as kcat’s murmur2 does', async () => {
    const topic = await freshTopic('partitioner', 6);
    const keys = Array.from({ length: 24 }, (_, i) => `192.0.2.${i + 1}`);
    await kcat(
      ['-P', '-t', topic, '-K', '\t', '-X', 'topic.partitioner=murmur2'],
      h.config,
      keys.map((k) => `${k}\tfrom kcat\n`).join(''),
    );
    await h.bus.produce(
      topic,
      keys.map((key) => ({ key, value: 'from rmwatch' })),
    );
    const seen = await readTopic(h, topic, keys.length * 2);
    for (const key of keys) {
      const partitions = seen.filter((r) => r.key === key).map((r) => r.partition);
      expect(partitions).toHaveLength(2);
      expect(new Set(partitions).size).toBe(1);
    }
    expect(new Set(seen.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('records for several topics written in one call each arrive on their topic, in order, with their keys', async () => {
    const findings = await freshTopic('findings');
    const notices = await freshTopic('notices');
    const entries = Array.from({ length: 40 }, (_, i) => ({
      topic: i % 2 === 0 ? findings : notices,
      record: { key: `s${i % 4}`, value: `${i} 持出し` },
    }));
    await h.bus.produceAll(entries);
    const sent = (topic: string) => entries.filter((e) => e.topic === topic).map((e) => e.record);
    for (const topic of [findings, notices]) {
      const seen = await readTopic(h, topic, 20);
      expect(seen.map((r) => ({ key: r.key, value: r.value?.toString('utf8') }))).toEqual(sent(topic));
    }
  });

  it('a batch far over the broker message limit is split into requests and arrives whole', async () => {
    const topic = await freshTopic('big-batch');
    const value = 'x'.repeat(600);
    const headers = { 'rm-peer': '192.0.2.1', 'rm-transport': 'tcp', 'rm-format': 'syslog' };
    // About 5 MB in one call: five times the broker's default limit for one request.
    await h.bus.produce(
      topic,
      Array.from({ length: 8000 }, (_, i) => ({ key: 'asa01', value: `${i} ${value}`, headers })),
    );
    expect(await h.bus.topicEndOffsets(topic)).toBe(8000);
  });
});
