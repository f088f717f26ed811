// `rmwatch dashboards build [--out <dir>]`: the Grafana dashboards and provisioning files (dashboards/).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { ResolvedConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';
import { DEFAULT_SILENT_MINUTES } from '../dashboards/alerting.ts';
import { DEFAULT_DASHBOARDS_PATH, writeDashboards } from '../dashboards/build.ts';

export interface CliContext {
  config: ResolvedConfig;
  log: Logger;
}

const BuildArgs = z.object({
  out: z.string().min(1),
  grafanaPath: z.string().startsWith('/', 'must be an absolute path inside the Grafana server'),
  silentMinutes: z.coerce.number().int().positive(),
  policies: z.boolean(),
});

export function registerDashboardCommands(program: Command, load: () => CliContext): void {
  const dashboards = program.command('dashboards').description('Grafana dashboards and provisioning files');
  dashboards
    .command('build')
    .description('write the dashboards, datasources, dashboard provider and alerting files for Grafana')
    .option('--out <dir>', 'output folder (git-ignored)', 'dashboards/out')
    .option('--grafana-path <dir>', 'where Grafana mounts <out>/dashboards', DEFAULT_DASHBOARDS_PATH)
    .option(
      '--silent-minutes <n>',
      'a device silent this long raises an alert',
      String(DEFAULT_SILENT_MINUTES),
    )
    .option('--policies', 'also write a notification policy (replaces Grafana’s own policy tree)', false)
    .action((raw: Record<string, unknown>) => {
      const args = BuildArgs.safeParse(raw);
      if (!args.success) {
        process.stderr.write(
          `rmwatch dashboards build: ${args.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const { config } = load();
      const out = resolve(args.data.out);
      const written = writeDashboards(config, out, {
        dashboardsPath: args.data.grafanaPath,
        silentMinutes: args.data.silentMinutes,
        policies: args.data.policies,
      });
      process.stdout.write(`${written.map((p) => `${out}/${p}`).join('\n')}\n`);
    });
}
