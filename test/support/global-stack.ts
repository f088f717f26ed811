// Starts the embedded stack for the integration tests and stops, afterwards, only what it started.
import { loadConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { stackDown, stackUp } from '../../infra/stack/stack.ts';

export default async function globalStack(): Promise<() => Promise<void>> {
  const config = loadConfig();
  const log = createLogger(process.env.RMWATCH_LOG_LEVEL ?? 'warn', 'test-stack');
  const up = await stackUp(config, log);
  process.stderr.write(
    `test stack ready in ${up.seconds}s (Elasticsearch ${up.elasticsearchVersion}; started: ${up.started.join(', ') || 'none'})\n`,
  );
  return async () => {
    if (up.started.length > 0 && !process.env.RMWATCH_KEEP_STACK) await stackDown(config, log, up.started);
  };
}
