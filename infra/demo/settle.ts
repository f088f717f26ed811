// Waits until the normaliser has read everything the collectors have written so far. Syslog and Windows
// events travel through different raw topics, which the normaliser reads side by side: without this pause a
// gateway event could overtake the VPN line sent just before it and open a session of its own.
//   input:  the demo configuration (namespace: topics and the normaliser's consumer group)
//   output: `caughtUp()`, resolving once the group's committed offsets reach the raw topics' ends (or after
//           `timeoutMs`, so that a slow stage slows the demo down but never hangs it)
import type { ResolvedConfig } from '../config.ts';
import type { MessageBus } from '../kafka.ts';
import { TOPICS, topicName } from '../topics.ts';

const RAW = [TOPICS.rawSyslog, TOPICS.rawWindows, TOPICS.rawRdGateway] as const;

export function normaliserCatchUp(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: MessageBus,
  options: { timeoutMs?: number; pollMs?: number } = {},
): () => Promise<void> {
  const group = `${config.namespace}rmwatch.normalize`;
  const behind = async () => {
    let lag = 0;
    for (const t of RAW) {
      const topic = topicName(config, t);
      const end = await bus.topicEndOffsets(topic);
      const committed = [...(await bus.committedOffsets(group, topic)).values()]
        .map(Number)
        .filter((o) => o >= 0)
        .reduce((a, b) => a + b, 0);
      lag += Math.max(0, end - committed);
    }
    return lag;
  };
  return async () => {
    // A line just sent may still be in the collector's batch (a few ms of linger): give it time to land.
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while ((await behind()) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  };
}
