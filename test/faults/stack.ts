// Global setup of the fault suite: its own embedded Kafka and Elasticsearch (ports 28092/28200, folder
// `.stack-faults`), because its tests kill and restart the servers while other tests use the default stack.
// The environment is passed to the stack explicitly, never set on this process: the integration project's
// global setup runs in the same process and must keep the default ports.
import { createLogger } from '../../infra/logger.ts';
import { stackDown, stackUp } from '../../infra/stack/stack.ts';
import { assertOwnStack, faultStackConfig } from '../support/faults.ts';

export default async function faultStack(): Promise<() => Promise<void>> {
  const config = faultStackConfig();
  assertOwnStack(config);
  const log = createLogger(process.env.RMWATCH_LOG_LEVEL ?? 'warn', 'faults-stack');
  const up = await stackUp(config, log);
  process.stderr.write(
    `fault stack ready in ${up.seconds}s on ${config.kafka.brokers.join(',')} and ${config.elasticsearch.url} (started: ${up.started.join(', ') || 'none'})\n`,
  );
  return async () => {
    // The tests restart the servers, so what runs now is not what `up` started: stop both whenever this
    // run brought the stack up at all.
    if (up.started.length > 0 && !process.env.RMWATCH_KEEP_STACK) await stackDown(config, log);
  };
}
