// One produce at a time for a component that many callers write through at once (the Windows collector's
// HTTP requests). Concurrent sends on one idempotent producer could reach the broker out of sequence, and a
// failed one restarted the producer under the others; here callers that arrive while a send is out wait
// together and go out as the next single send, in the order they came. Each caller hears how its own records
// fared: the send they went out in.
import type { MessageBus, TopicRecord } from './kafka.ts';

type Sender = Pick<MessageBus, 'produceAll'>;

interface Waiting {
  entries: TopicRecord[];
  sent: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export function oneSendAtATime(bus: Sender): Sender {
  let waiting: Waiting | undefined;
  let sending = false;

  const next = (): Waiting => {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const sent = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { entries: [], sent, resolve, reject };
  };

  const pump = async (): Promise<void> => {
    sending = true;
    while (waiting) {
      const group = waiting;
      waiting = undefined;
      try {
        await bus.produceAll(group.entries);
        group.resolve();
      } catch (err) {
        group.reject(err);
      }
    }
    sending = false;
  };

  return {
    produceAll(entries) {
      if (entries.length === 0) return Promise.resolve();
      waiting ??= next();
      waiting.entries.push(...entries);
      const { sent } = waiting;
      if (!sending) void pump();
      return sent;
    },
  };
}
