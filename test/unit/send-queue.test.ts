// Many callers, one producer: never two sends at once, callers waiting together go out together, in order,
// and each hears how its own records fared.
import { describe, expect, it } from 'vitest';
import type { TopicRecord } from '../../infra/kafka.ts';
import { oneSendAtATime } from '../../infra/send-queue.ts';

const rec = (value: string): TopicRecord => ({ topic: 't', record: { key: null, value } });

/** A producer whose sends finish when the test says so. */
function slowProducer() {
  const sends: { values: string[]; finish(err?: Error): void }[] = [];
  let inFlight = 0;
  let most = 0;
  return {
    sends,
    get most() {
      return most;
    },
    produceAll(entries: readonly TopicRecord[]) {
      inFlight++;
      most = Math.max(most, inFlight);
      return new Promise<void>((resolve, reject) => {
        sends.push({
          values: entries.map((e) => String(e.record.value)),
          finish: (err) => {
            inFlight--;
            if (err) reject(err);
            else resolve();
          },
        });
      });
    },
  };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('one send at a time', () => {
  it('callers arriving during a send wait, then go out together in the order they came', async () => {
    const producer = slowProducer();
    const queue = oneSendAtATime(producer);
    const first = queue.produceAll([rec('a')]);
    const second = queue.produceAll([rec('b'), rec('c')]);
    const third = queue.produceAll([rec('d')]);
    await tick();
    expect(producer.sends.map((s) => s.values)).toEqual([['a']]);
    producer.sends[0]?.finish();
    await first;
    await tick();
    expect(producer.sends.map((s) => s.values)).toEqual([['a'], ['b', 'c', 'd']]);
    producer.sends[1]?.finish();
    await Promise.all([second, third]);
    expect(producer.most).toBe(1);
  });

  it('a failed send fails only the callers whose records it carried', async () => {
    const producer = slowProducer();
    const queue = oneSendAtATime(producer);
    const first = queue.produceAll([rec('a')]);
    const second = queue.produceAll([rec('b')]);
    await tick();
    producer.sends[0]?.finish(new Error('broker gone'));
    await expect(first).rejects.toThrow('broker gone');
    await tick();
    producer.sends[1]?.finish();
    await expect(second).resolves.toBeUndefined();
  });

  it('an empty hand-over sends nothing', async () => {
    const producer = slowProducer();
    await oneSendAtATime(producer).produceAll([]);
    expect(producer.sends).toEqual([]);
  });
});
