// The index sink alone in its own process, as `rmwatch run index` runs it, for the sink benchmark: the
// benchmark's own data (the events it produced) must not share the sink's heap and garbage collector.
//   argv: <namespace> <documents>; IPC out: `{ ready: true }` once the sink owns its partitions, then
//   `{ done: true, cpuMs }` (this process's CPU time from ready to the last acknowledged document).
import { loadConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { createMessageBus } from '../infra/kafka.ts';
import { createLogger } from '../infra/logger.ts';
import { startIndexSink } from '../processors/index/sink.ts';

const [namespace = '', documents = '0'] = process.argv.slice(2);
const wanted = Number(documents);
const config = { ...loadConfig({ env: process.env }), namespace };
const log = createLogger('warn', 'bench-sink');
const bus = createMessageBus(config, log);
const store = createSearchStore(config, log);
const sink = await startIndexSink(config, bus, store, log, { routes: ['events'] });
await sink.assigned;
const cpu = process.cpuUsage();
process.send?.({ ready: true });
while (sink.counters.get('events_indexed') < wanted) await new Promise((r) => setTimeout(r, 20));
const used = process.cpuUsage(cpu);
process.send?.({ done: true, cpuMs: (used.user + used.system) / 1000 });
await sink.stop();
await Promise.all([bus.close(), store.close()]);
process.disconnect?.();
