import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../infra/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'rmwatch-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('with nothing configured, both servers are the embedded local stack', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.elasticsearch.url).toBe('http://127.0.0.1:19200');
    expect(config.stack).toMatchObject({ embeddedKafka: true, embeddedElasticsearch: true });
    expect(config.elasticsearch.replicas).toBe(0);
  });

  it('an external cluster from the environment replaces the embedded one', () => {
    const config = loadConfig({
      env: { RMWATCH_KAFKA_BROKERS: 'k1:9092, k2:9092', RMWATCH_ES_URL: 'https://es.city.local:9200' },
      cwd: dir,
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.stack).toMatchObject({ embeddedKafka: false, embeddedElasticsearch: false });
    expect(config.elasticsearch.replicas).toBe(1);
  });

  it('the environment overrides the file', () => {
    const path = file('both.yaml', 'namespace: fromfile.\nkafka:\n  brokers: ["a:1"]\n');
    const config = loadConfig({ file: path, env: { RMWATCH_NAMESPACE: 'fromenv.' }, cwd: dir });
    expect(config.namespace).toBe('fromenv.');
    expect(config.kafka.brokers).toEqual(['a:1']);
  });

  it('reads ./rmwatch.yaml when present', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rmwatch-cwd-'));
    writeFileSync(join(cwd, 'rmwatch.yaml'), 'stack:\n  kafkaPort: 29092\n');
    expect(loadConfig({ env: {}, cwd }).kafka.brokers).toEqual(['127.0.0.1:29092']);
  });

  it('a bad value names the setting and the variable it came from', () => {
    expect(problemsOf(() => loadConfig({ env: { RMWATCH_KAFKA_BROKERS: 'localhost' }, cwd: dir }))).toEqual([
      'kafka.brokers[0]: expected host:port (from RMWATCH_KAFKA_BROKERS)',
    ]);
    expect(problemsOf(() => loadConfig({ env: { RMWATCH_ES_PORT: 'ninety' }, cwd: dir }))).toEqual([
      'RMWATCH_ES_PORT="ninety": expected a whole number',
    ]);
  });

  it('a bad value in the file names the setting and the file', () => {
    const path = file('bad.yaml', 'elasticsearch:\n  url: ftp://es\nstack:\n  elasticsearchHeap: lots\n');
    const problems = problemsOf(() => loadConfig({ file: path, env: {}, cwd: dir }));
    expect(problems).toContain(`elasticsearch.url: expected an http:// or https:// URL (from ${path})`);
    expect(problems).toContain(`stack.elasticsearchHeap: expected a JVM size like 512m or 1g (from ${path})`);
  });

  it('a syslog frame limit larger than one Kafka record can carry is refused at start', () => {
    const path = file('frames.yaml', 'collectors:\n  syslog:\n    maxFrameBytes: 2000000\n');
    expect(problemsOf(() => loadConfig({ file: path, env: {}, cwd: dir }))).toEqual([
      `collectors.syslog.maxFrameBytes: at most 524288 bytes: a frame and its dead letter must each fit one Kafka record (from ${path})`,
    ]);
  });

  it('a misspelt setting is refused rather than ignored', () => {
    const path = file('typo.yaml', 'kafka:\n  brokerz: ["a:1"]\n');
    expect(problemsOf(() => loadConfig({ file: path, env: {}, cwd: dir })).join('\n')).toMatch(
      /kafka.*brokerz/,
    );
  });

  it('a file that is not YAML, or missing, is reported with its path', () => {
    const path = file('broken.yaml', 'kafka: [unclosed\n');
    expect(problemsOf(() => loadConfig({ file: path, env: {}, cwd: dir }))[0]).toContain(path);
    expect(problemsOf(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {}, cwd: dir }))[0]).toContain(
      'absent.yaml',
    );
  });

  it('a username without a password is refused', () => {
    expect(problemsOf(() => loadConfig({ env: { RMWATCH_ES_USERNAME: 'elastic' }, cwd: dir }))[0]).toMatch(
      /elasticsearch.password: username needs a password/,
    );
  });

  it('secrets are hidden when the configuration is shown', () => {
    const config = loadConfig({
      env: {
        RMWATCH_ES_USERNAME: 'elastic',
        RMWATCH_ES_PASSWORD: 's3cret',
        RMWATCH_KAFKA_SASL_MECHANISM: 'plain',
        RMWATCH_KAFKA_SASL_USERNAME: 'u',
        RMWATCH_KAFKA_SASL_PASSWORD: 'p4ss',
      },
      cwd: dir,
    });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('p4ss');
  });

  it("notifiers' secrets are hidden too: webhook paths, their extra headers, SMTP passwords", () => {
    const config = loadConfig({
      file: file(
        'notifiers.yaml',
        [
          'alerts:',
          '  notifiers:',
          '    - { name: slack, type: slack, url: "https://hooks.slack.com/services/T0/B0/xoxsecret" }',
          '    - name: hook',
          '      type: webhook',
          '      url: "https://siem.city.local/in/hooktoken"',
          '      headers: { Authorization: "Bearer headertoken" }',
          '    - name: mail',
          '      type: email',
          '      smtp: { host: smtp.city.local, auth: { user: rm, pass: mailpass } }',
          '      from: rmwatch@city.local',
          '      to: [soc@city.local]',
        ].join('\n'),
      ),
      env: {},
      cwd: dir,
    });
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of ['xoxsecret', 'hooktoken', 'headertoken', 'mailpass'])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('https://hooks.slack.com/***');
  });
  it('settled alerts must stay longer than maxAgeHours, or a finding read again would page twice', () => {
    const load = (keep: string) =>
      loadConfig({
        file: file('keep.yaml', ['alerts:', '  maxAgeHours: 48', `  keepSettledDays: ${keep}`].join('\n')),
        env: {},
        cwd: dir,
      });
    expect(() => load('1')).toThrow(/alerts.keepSettledDays: must be longer than maxAgeHours/);
    expect(load('3').alerts.keepSettledDays).toBe(3);
    expect(load('null').alerts.keepSettledDays).toBeNull();
  });
});
