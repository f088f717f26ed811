// `rmwatch dashboards build`, as a user runs it: it writes the dashboards and provisioning files for this
// deployment's configuration (namespace, Elasticsearch URL, links) into the folder given.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { rmwatch } from '../support/harness.ts';

const out = mkdtempSync(join(tmpdir(), 'rmwatch-dashboards-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const env = {
  ...process.env,
  RMWATCH_NAMESPACE: 'tomakomai.',
  RMWATCH_ES_URL: 'http://es.city.local:9200',
  RMWATCH_GRAFANA_URL: 'https://grafana.city.local',
  RMWATCH_LOG_LEVEL: 'warn',
};

describe('rmwatch dashboards build', () => {
  it('writes dashboards and provisioning files into --out and lists them', async () => {
    const result = await rmwatch(
      [
        'dashboards',
        'build',
        '--out',
        out,
        '--grafana-path',
        '/etc/grafana/rmwatch',
        '--silent-minutes',
        '45',
      ],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readdirSync(join(out, 'dashboards')).sort()).toEqual([
      'overview.json',
      'pipeline-health.json',
      'session-explorer.json',
      'vendors.json',
    ]);
    expect(result.stdout.trim().split('\n')).toHaveLength(8);

    const datasources = parseYaml(readFileSync(join(out, 'provisioning/datasources/rmwatch.yaml'), 'utf8'));
    expect(datasources.datasources[0]).toMatchObject({
      uid: 'rmwatch-events',
      url: 'http://es.city.local:9200',
      jsonData: { index: 'tomakomai.rm-events', timeField: '@timestamp' },
    });
    const provider = parseYaml(readFileSync(join(out, 'provisioning/dashboards/rmwatch.yaml'), 'utf8'));
    expect(provider.providers[0]).toMatchObject({
      folder: 'rmwatch',
      options: { path: '/etc/grafana/rmwatch' },
    });
    const rules = readFileSync(join(out, 'provisioning/alerting/rules.yaml'), 'utf8');
    expect(rules).toContain('device silent for 45 minutes');
    const overview = JSON.parse(readFileSync(join(out, 'dashboards/overview.json'), 'utf8'));
    expect(JSON.stringify(overview)).toContain('https://grafana.city.local/d/rmwatch-sessions/');
  });

  it('refuses a Grafana path that is not absolute, writing nothing', async () => {
    const elsewhere = join(out, 'not-written');
    const result = await rmwatch(
      ['dashboards', 'build', '--out', elsewhere, '--grafana-path', 'relative/dir'],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--grafanaPath');
    expect(() => readdirSync(elsewhere)).toThrow();
  });
});
