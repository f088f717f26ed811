// `rmwatch demo [--exit] [--dir DIR] [--timeout SECONDS]`: a realistic working day of the city, played over
// real syslog and HTTP into the collectors of a pipeline in the `demo.` namespace (infra/demo/run.ts).
import type { Command } from 'commander';
import type { ResolvedConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';
import { runDemo } from '../infra/demo/run.ts';
import { untilStopped } from './signals.ts';

export function registerDemoCommand(
  program: Command,
  load: () => { config: ResolvedConfig; log: Logger },
): void {
  program
    .command('demo')
    .description(
      'play a working day of three vendors into a pipeline of its own (namespace demo.): sessions, findings, alerts and the monthly report within a minute',
    )
    .option('--exit', 'stop after the summary instead of running until Ctrl-C')
    .option(
      '--dir <folder>',
      "the demo's files (configuration, alerts log, report); default <stack.dir>/demo",
    )
    .option('--timeout <seconds>', 'how long to wait for the pipeline to show the whole day', '180')
    .action(async (options: { exit?: boolean; dir?: string; timeout: string }) => {
      const timeoutSeconds = Number(options.timeout);
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
        console.error('rmwatch: --timeout takes a whole number of seconds');
        process.exitCode = 2;
        return;
      }
      const { config, log } = load();
      process.exitCode = await runDemo(config, log, {
        exit: options.exit ?? false,
        dir: options.dir,
        timeoutSeconds,
        untilStopped,
      });
    });
}
