// The pipeline the demo plays into: the supervised process group of `rmwatch start` (cli/pipeline.ts), with
// the stages the demo needs, its configuration file handed to every stage as RMWATCH_CONFIG, and metrics
// ports of its own so that a production pipeline on this machine keeps the default ones.
import type { ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startPipeline, type RunningPipeline } from '../../cli/pipeline.ts';
import { STAGES, type StageName } from '../../cli/run.ts';
import { freePortRange } from './config.ts';

/** What the demo needs; retention and lag sampling have nothing to show within a minute. */
export const DEMO_STAGES: readonly StageName[] = [
  'syslog',
  'windows',
  'normalize',
  'evidence',
  'correlate',
  'index',
  'ledger',
  'audit-api',
  'alerts',
];

export async function startDemoPipeline(
  config: ResolvedConfig,
  configFile: string,
  log: Logger,
): Promise<RunningPipeline> {
  const running = await startPipeline(config, {
    log,
    env: { RMWATCH_CONFIG: configFile },
    stages: DEMO_STAGES,
    basePort: await freePortRange(STAGES.length),
  });
  try {
    await running.ready;
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}
