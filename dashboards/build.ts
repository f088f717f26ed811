// `rmwatch dashboards build`: every dashboard and provisioning file, as a folder a Grafana server mounts.
//   input:  the resolved configuration (elasticsearch.url, namespace, links, alerts.notifiers)
//   output: <out>/dashboards/*.json                         → mount at `dashboardsPath` in Grafana
//           <out>/provisioning/datasources/rmwatch.yaml     → under /etc/grafana/provisioning
//           <out>/provisioning/dashboards/rmwatch.yaml
//           <out>/provisioning/alerting/{rules,contact-points}.yaml (+ policies.yaml on request)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedConfig } from '../infra/config.ts';
import {
  alertRulesProvisioning,
  ALERT_FOLDER,
  contactPointsProvisioning,
  DEFAULT_SILENT_MINUTES,
  policiesProvisioning,
} from './alerting.ts';
import { datasourceProvisioning, datasources } from './datasources.ts';
import { explorerDashboard } from './explorer.ts';
import { healthDashboard } from './health.ts';
import { overviewDashboard } from './overview.ts';
import { vendorDashboard } from './vendors.ts';

export type DashboardConfig = Pick<ResolvedConfig, 'namespace' | 'elasticsearch' | 'links' | 'alerts'>;

export interface BuildOptions {
  /** Where Grafana sees the `dashboards/` folder of the output. */
  dashboardsPath?: string;
  /** Minutes without an event after which a device counts as silent (alert rule). */
  silentMinutes?: number;
  /** Also write a notification policy tree (it replaces the organisation's own). */
  policies?: boolean;
}

export const DEFAULT_DASHBOARDS_PATH = '/var/lib/grafana/dashboards/rmwatch';

/** The dashboards, by file name; each is Grafana's dashboard JSON model. */
export function buildDashboards(config: DashboardConfig): Record<string, object> {
  const ds = datasources(config);
  return {
    'overview.json': overviewDashboard(ds, config.links),
    'session-explorer.json': explorerDashboard(ds, config.links),
    'vendors.json': vendorDashboard(ds, config.links),
    'pipeline-health.json': healthDashboard(ds, config.links),
  };
}

/** Every file of the output, by path relative to it, as the text written. */
export function buildFiles(config: DashboardConfig, options: BuildOptions = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, model] of Object.entries(buildDashboards(config)))
    files[`dashboards/${name}`] = `${JSON.stringify(model, null, 2)}\n`;
  const yaml = (value: object) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  files['provisioning/datasources/rmwatch.yaml'] = yaml(datasourceProvisioning(config));
  files['provisioning/dashboards/rmwatch.yaml'] = yaml({
    apiVersion: 1,
    providers: [
      {
        name: 'rmwatch',
        orgId: 1,
        folder: ALERT_FOLDER,
        folderUid: 'rmwatch',
        type: 'file',
        disableDeletion: false,
        // Dashboards are code: a change in the UI would be lost at the next build.
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: options.dashboardsPath ?? DEFAULT_DASHBOARDS_PATH },
      },
    ],
  });
  const ds = datasources(config);
  files['provisioning/alerting/rules.yaml'] = yaml(
    alertRulesProvisioning(config, ds, options.silentMinutes ?? DEFAULT_SILENT_MINUTES),
  );
  files['provisioning/alerting/contact-points.yaml'] = yaml(contactPointsProvisioning(config));
  const policies = options.policies ? policiesProvisioning(config) : undefined;
  if (policies) files['provisioning/alerting/policies.yaml'] = yaml(policies);
  return files;
}

/** Writes the output under `outDir`; returns the paths written, relative to it. */
export function writeDashboards(
  config: DashboardConfig,
  outDir: string,
  options: BuildOptions = {},
): string[] {
  const files = buildFiles(config, options);
  for (const [path, text] of Object.entries(files)) {
    const full = join(outDir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return Object.keys(files);
}
