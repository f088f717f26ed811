// Run as a process of its own by test/unit/forwarder.test.ts: a forwarder whose flush starved the event loop
// would hang whatever ran it, the test runner included; in a child process it is a timeout and a failure.
// Prints what Kafka got and whether a timer ran during the flush, as one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Forwarder, ForwarderSettings } from '../../collectors/forwarder.ts';
import { Journal, JournalSettings } from '../../collectors/journal.ts';
import type { MessageBus, TopicRecord } from '../../infra/kafka.ts';
import { createLogger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';

const log = createLogger('silent');
const counters = new Counters('forwarder-flush');
const journal = new Journal(
  JournalSettings.parse({ dir: mkdtempSync(join(tmpdir(), 'forwarder-flush-')) }),
  log,
  counters,
);
const taken: string[] = [];
// Kafka acknowledges a few milliseconds later, as a broker does.
const kafka: Pick<MessageBus, 'produceAll'> = {
  produceAll: (entries: readonly TopicRecord[]) =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        for (const e of entries) taken.push(String(e.record.value));
        resolve();
      }, 5),
    ),
};
// A linger far longer than the flush may take: the flush itself must set the records going.
const forwarder = new Forwarder(
  kafka as MessageBus,
  journal,
  ForwarderSettings.parse({ lingerMs: 60_000 }),
  log,
  counters,
);
forwarder.send('rm.raw.syslog', { key: '192.0.2.1', value: Buffer.from('<134>last line before the stop') });
let timerRan = false;
setTimeout(() => (timerRan = true), 0);
await forwarder.flush();
await forwarder.close();
console.log(JSON.stringify({ taken, timerRan, journaled: journal.records }));
