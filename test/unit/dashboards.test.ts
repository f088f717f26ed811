// The generated dashboards and provisioning files: stable (file snapshots, committed), consistent (every
// datasource a panel, variable or alert rule names is provisioned; every $variable used is defined), and
// free of the SDK's `type: "unknown"` metrics.
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDashboards, buildFiles } from '../../dashboards/build.ts';
import { Config, type ResolvedConfig } from '../../infra/config.ts';
import { variableNames } from '../support/grafana-elasticsearch.ts';

/** A deployment's configuration, fixed so that snapshots do not depend on the machine. */
function config(overrides: Record<string, unknown> = {}): ResolvedConfig {
  const parsed = Config.parse({
    namespace: 'kitami.',
    elasticsearch: { url: 'http://es.city.local:9200' },
    links: { grafana: 'https://grafana.city.local/', auditApi: 'https://audit.city.local' },
    alerts: {
      notifiers: [
        {
          name: 'security-office',
          type: 'email',
          smtp: { host: 'smtp.city.local' },
          from: 'rmwatch@city.local',
          to: ['sec@city.local', 'joho@city.local'],
        },
        { name: '当番チャット', type: 'slack', url: 'https://chat.city.local/hooks/abc' },
        { name: 'teams', type: 'teams', url: 'https://teams.example/webhook' },
        { name: 'ticketing', type: 'webhook', url: 'https://tickets.city.local/rmwatch' },
      ],
    },
    ...overrides,
  });
  return parsed as ResolvedConfig;
}

type Json = Record<string, unknown>;

/** Every value under `node` whose key is `key`, at any depth. */
function collect(node: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const v of node) collect(v, key, found);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === key) found.push(v);
      collect(v, key, found);
    }
  return found;
}

/** Every string under `node`. */
function strings(node: unknown, found: string[] = []): string[] {
  if (typeof node === 'string') found.push(node);
  else if (Array.isArray(node)) for (const v of node) strings(v, found);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) strings(v, found);
  return found;
}

const files = buildFiles(config(), { policies: true });
const provisioned = parseYaml(files['provisioning/datasources/rmwatch.yaml'] ?? '') as {
  datasources: { uid: string; type: string; url: string; jsonData: { index: string; timeField: string } }[];
};
const uids = new Set(provisioned.datasources.map((d) => d.uid));

describe('generated files', () => {
  it.each(Object.keys(files))('%s matches its committed snapshot', async (path) => {
    // Stored as the repository's prettier writes it, so that `prettier --check .` passes on the snapshots.
    const snapshot = `__snapshots__/dashboards/${path}`;
    const options = await prettier.resolveConfig(new URL(snapshot, import.meta.url));
    const text = await prettier.format(files[path] ?? '', { ...options, filepath: path });
    await expect(text).toMatchFileSnapshot(snapshot);
  });

  it('writes four dashboards, the datasources, the dashboard provider and the alerting files', () => {
    expect(Object.keys(files).sort()).toEqual([
      'dashboards/overview.json',
      'dashboards/pipeline-health.json',
      'dashboards/session-explorer.json',
      'dashboards/vendors.json',
      'provisioning/alerting/contact-points.yaml',
      'provisioning/alerting/policies.yaml',
      'provisioning/alerting/rules.yaml',
      'provisioning/dashboards/rmwatch.yaml',
      'provisioning/datasources/rmwatch.yaml',
    ]);
  });
});

describe('datasources', () => {
  it('provisions one datasource per index family, on the namespaced index, with that family’s time field', () => {
    expect(provisioned.datasources.map((d) => [d.uid, d.jsonData.index, d.jsonData.timeField])).toEqual([
      ['rmwatch-events', 'kitami.rm-events', '@timestamp'],
      ['rmwatch-sessions', 'kitami.rm-sessions', 'start'],
      ['rmwatch-findings', 'kitami.rm-findings', '@timestamp'],
      ['rmwatch-approvals', 'kitami.rm-approvals', 'window.start'],
      ['rmwatch-registry', 'kitami.rm-registry', 'frozen_since'],
      ['rmwatch-deadletter', 'kitami.rm-deadletter', 'at'],
      ['rmwatch-pipeline', 'kitami.rm-pipeline', '@timestamp'],
    ]);
    for (const d of provisioned.datasources) {
      expect(d.type).toBe('elasticsearch');
      expect(d.url).toBe('http://es.city.local:9200');
    }
  });

  it('keeps Elasticsearch secrets out of the files, naming the environment variable Grafana reads', () => {
    const withAuth = buildFiles(
      config({ elasticsearch: { url: 'https://es:9200', username: 'grafana', password: 's3cret' } }),
    );
    const text = withAuth['provisioning/datasources/rmwatch.yaml'] ?? '';
    expect(text).not.toContain('s3cret');
    expect(text).toContain('basicAuthUser: grafana');
    expect(text).toContain('$RMWATCH_ES_PASSWORD');
  });
});

describe.each(Object.entries(buildDashboards(config())))('dashboard %s', (_name, model) => {
  const dashboard = JSON.parse(JSON.stringify(model)) as Json & {
    panels: Json[];
    templating?: { list: { name: string; datasource?: { uid: string } }[] };
  };
  const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));

  it('names only provisioned datasources', () => {
    const refs = collect(dashboard, 'datasource') as { uid: string }[];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(uids).toContain(ref.uid);
  });

  it('gives every target the time field of its datasource', () => {
    for (const panel of dashboard.panels)
      for (const t of panel.targets as { datasource: { uid: string }; timeField: string }[]) {
        const ds = provisioned.datasources.find((d) => d.uid === t.datasource.uid);
        expect(t.timeField).toBe(ds?.jsonData.timeField);
      }
  });

  it('uses only variables it defines (and Grafana’s built-ins)', () => {
    for (const text of strings(dashboard))
      for (const name of variableNames(text)) if (!name.startsWith('__')) expect(defined).toContain(name);
  });

  it('has no metric or aggregation of type "unknown"', () => {
    expect(collect(dashboard, 'type')).not.toContain('unknown');
    for (const panel of dashboard.panels)
      for (const t of panel.targets as { metrics: { type: string }[] }[])
        for (const m of t.metrics)
          expect(['count', 'max', 'min', 'avg', 'sum', 'cardinality', 'raw_data']).toContain(m.type);
  });

  it('shows times in Tokyo', () => {
    expect(dashboard.timezone).toBe('Asia/Tokyo');
  });
});

describe('links', () => {
  const overview = files['dashboards/overview.json'] ?? '';
  it('sends a clicked session to the session explorer and offers the audit API', () => {
    expect(overview).toContain('https://grafana.city.local/d/rmwatch-sessions/?var-session=${__value.raw}');
    expect(overview).toContain('https://audit.city.local/sessions/${__value.raw}');
  });

  it('keeps Japanese titles intact', () => {
    expect(overview).toContain('接続中のセッション');
  });
});

describe('alerting', () => {
  const rules = parseYaml(files['provisioning/alerting/rules.yaml'] ?? '') as {
    groups: { folder: string; rules: { uid: string; data: { datasourceUid: string }[]; labels: Json }[] }[];
  };
  const contactPoints = parseYaml(files['provisioning/alerting/contact-points.yaml'] ?? '') as {
    contactPoints: { name: string; receivers: { type: string; settings: Json }[] }[];
  };

  it('provisions rules for high findings, out-of-window, file transfer, silent devices and dead letters', () => {
    expect(rules.groups[0]?.rules.map((r) => r.uid)).toEqual([
      'rmwatch-findings-high',
      'rmwatch-out-of-window',
      'rmwatch-file-transfer',
      'rmwatch-device-silent',
      'rmwatch-dead-letters',
    ]);
  });

  it('queries only provisioned datasources or server-side expressions', () => {
    for (const rule of rules.groups[0]?.rules ?? [])
      for (const q of rule.data) expect([...uids, '__expr__']).toContain(q.datasourceUid);
  });

  it('makes one contact point per configured notifier, of the matching Grafana type', () => {
    expect(
      contactPoints.contactPoints.map((c) => [c.name, c.receivers[0]?.type, c.receivers[0]?.settings]),
    ).toEqual([
      ['security-office', 'email', { addresses: 'sec@city.local;joho@city.local', singleEmail: false }],
      ['当番チャット', 'slack', { url: 'https://chat.city.local/hooks/abc' }],
      ['teams', 'teams', { url: 'https://teams.example/webhook' }],
      ['ticketing', 'webhook', { url: 'https://tickets.city.local/rmwatch', httpMethod: 'POST' }],
    ]);
  });

  it('writes a notification policy only when asked, since it replaces Grafana’s own', () => {
    expect(buildFiles(config())).not.toHaveProperty(['provisioning/alerting/policies.yaml']);
  });

  it('writes an empty contact point list when no notifier is configured', () => {
    const none = buildFiles(config({ alerts: { notifiers: [] } }));
    expect(parseYaml(none['provisioning/alerting/contact-points.yaml'] ?? '')).toEqual({
      apiVersion: 1,
      contactPoints: [],
    });
  });
});
