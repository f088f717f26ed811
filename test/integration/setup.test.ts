// `rmwatch setup` against the real servers: creates the layout once, and a second run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetup } from '../../infra/setup.ts';
import { topicSpecs } from '../../infra/topics.ts';
import { createHarness, esCurl, kcat, rmwatch, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('setup');
});
afterAll(async () => {
  await h.cleanup();
});

describe('rmwatch setup', () => {
  it('creates every topic, template and index; a second run changes nothing and says so', async () => {
    const first = await rmwatch(['setup'], h.env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`created +topic +${h.namespace.replace('.', '\\.')}rm\\.events`));
    expect(first.stdout).toMatch(/setup: done\./);

    const second = await rmwatch(['setup'], h.env);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/^(created|updated|drift)/m);
    expect(second.stdout).toMatch(/setup: nothing to change/);
  });

  it('the topics exist as the design lays them out, as the real kcat client sees them', async () => {
    const metadata = JSON.parse((await kcat(['-L', '-J'], h.config)).stdout) as {
      topics: { topic: string; partitions: unknown[] }[];
    };
    for (const spec of topicSpecs(h.config)) {
      const topic = metadata.topics.find((t) => t.topic === spec.name);
      expect(topic?.partitions.length, spec.name).toBe(spec.partitions);
    }
  });

  it('approvals and registry are compacted; the others keep their history', async () => {
    const report = await runSetup(h.config, h.bus, h.store);
    expect(report.changed).toBe(false);
    expect(report.items.filter((i) => i.kind === 'topic').every((i) => i.action === 'unchanged')).toBe(true);
    // The broker's own answer, through its admin API: compare with a topic recreated without the policy.
    const other = `${h.namespace}rm.approvals.copy`;
    await h.bus.ensureTopics([{ name: other, partitions: 1, replicationFactor: 1, configs: {} }]);
    const drift = await h.bus.ensureTopics([
      { name: other, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
    expect(drift).toEqual([
      { topic: other, action: 'drift', detail: 'cleanup.policy=delete, expected compact' },
    ]);
  });

  it('index templates carry explicit strict mappings, and the events alias points at the monthly index', async () => {
    const templates = (await esCurl(h.config, 'GET', `/_index_template/${h.namespace}rm-*`)) as {
      index_templates: { name: string; index_template: { template: { mappings: { dynamic: string } } } }[];
    };
    expect(templates.index_templates.map((t) => t.name).sort()).toEqual(
      [
        'approvals',
        'audit',
        'deadletter',
        'events',
        'evidence',
        'findings',
        'notices',
        'pipeline',
        'reconciliations',
        'registry',
        'sessions',
      ].map((k) => `${h.namespace}rm-${k}`),
    );
    expect(
      templates.index_templates.every((t) => t.index_template.template.mappings.dynamic === 'strict'),
    ).toBe(true);
    const alias = (await esCurl(h.config, 'GET', `/_alias/${h.namespace}rm-events`)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(alias)).toEqual([
      `${h.namespace}rm-events-${new Date().toISOString().slice(0, 7).replace('-', '.')}`,
    ]);
  });

  it('a changed template is updated in place, and new fields reach the existing index', async () => {
    const [layout] = (await import('../../infra/index-templates.ts'))
      .indexLayouts(h.config)
      .filter((l) => l.kind === 'sessions');
    if (!layout) throw new Error('no sessions layout');
    const grown = structuredClone(layout.template);
    grown.template.mappings.properties = {
      ...grown.template.mappings.properties,
      ticket: { type: 'keyword' },
    };
    expect(await h.store.ensureIndexTemplate(layout.name, grown)).toBe('updated');
    expect(await h.store.ensureIndex(layout.name, grown)).toBe('updated');
    const mapping = (await esCurl(h.config, 'GET', `/${layout.name}/_mapping`)) as Record<
      string,
      { mappings: { properties: Record<string, { type: string }> } }
    >;
    expect(mapping[layout.name]?.mappings.properties.ticket?.type).toBe('keyword');
    expect(await h.store.ensureIndex(layout.name, grown)).toBe('unchanged');
  });

  it('configuration errors are reported clearly, before anything is touched', async () => {
    const result = await rmwatch(['setup'], { ...h.env, RMWATCH_KAFKA_BROKERS: 'kafka-without-port' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'rmwatch: invalid configuration:\n  - kafka.brokers[0]: expected host:port (from RMWATCH_KAFKA_BROKERS)\n',
    );
  });

  it('an unreachable server is reported with what to do about it', async () => {
    const result = await rmwatch(['setup'], {
      ...h.env,
      RMWATCH_KAFKA_BROKERS: '127.0.0.1:9',
      RMWATCH_ES_URL: h.config.elasticsearch.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Kafka at 127\.0\.0\.1:9 not ready/);
    expect(result.stderr).toMatch(/RMWATCH_KAFKA_BROKERS/);
  });
});
