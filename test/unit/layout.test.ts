// The topic and index layout matches DESIGN.md §3 and §7, and every field of the model has a mapping.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../infra/config.ts';
import { INDEX_PROPERTIES, eventsIndexFor, indexLayouts } from '../../infra/index-templates.ts';
import { topicSpecs } from '../../infra/topics.ts';
import {
  Approval,
  CanonicalEvent,
  DeadLetter,
  Finding,
  Notice,
  RegistryRecord,
  Session,
} from '../../model/index.ts';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

/** Every leaf field path of a schema, e.g. `event.action`, `operators.accounts`. */
function leafPaths(schema: JsonSchema, prefix = ''): string[] {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return [...new Set(variants.flatMap((v) => leafPaths(v, prefix)))];
  if (schema.items) return leafPaths(schema.items, prefix);
  if (!schema.properties) return prefix ? [prefix] : [];
  return Object.entries(schema.properties).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

type Mapping = { properties?: Record<string, Mapping>; type?: string };
function mappedPaths(properties: Record<string, Mapping>, prefix = ''): string[] {
  return Object.entries(properties).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return v.properties ? mappedPaths(v.properties, path) : [path];
  });
}

const config = loadConfig({ env: {}, cwd: '/' });

describe('Elasticsearch mappings', () => {
  const cases = [
    ['events', CanonicalEvent],
    ['sessions', Session],
    ['findings', Finding],
    ['approvals', Approval],
    ['notices', Notice],
    ['deadletter', DeadLetter],
    ['registry', RegistryRecord],
  ] as const;

  it.each(cases)('every field of the %s model has an explicit mapping, and nothing more', (kind, schema) => {
    const fields = leafPaths(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
    const mapped = mappedPaths(INDEX_PROPERTIES[kind] as Record<string, Mapping>);
    const extra = kind === 'registry' ? ['entity_id'] : [];
    expect([...mapped].sort()).toEqual([...fields, ...extra].sort());
  });

  it('addresses are ip, times are date, ids are keyword', () => {
    const events = INDEX_PROPERTIES.events;
    expect(events.source.properties.ip.type).toBe('ip');
    expect(events['@timestamp'].type).toBe('date');
    expect(events.event.properties.id.type).toBe('keyword');
    expect(INDEX_PROPERTIES.sessions.start.type).toBe('date');
  });

  it('events and raw evidence go to monthly indices behind one alias each; everything else to one index each', () => {
    const layouts = indexLayouts({ ...config, namespace: 'x.' }, new Date('2026-11-23T00:00:00Z'));
    for (const kind of ['events', 'evidence', 'pipeline'] as const) {
      const monthly = layouts.find((l) => l.kind === kind);
      expect(monthly?.template.index_patterns).toEqual([`x.rm-${kind}-*`]);
      expect(monthly?.template.template.aliases).toEqual({ [`x.rm-${kind}`]: {} });
      expect(monthly?.indices).toEqual([`x.rm-${kind}-2026.11`]);
    }
    expect(
      layouts.filter((l) => !['events', 'evidence', 'pipeline'].includes(l.kind)).map((l) => l.indices[0]),
    ).toEqual([
      'x.rm-sessions',
      'x.rm-findings',
      'x.rm-approvals',
      'x.rm-notices',
      'x.rm-reconciliations',
      'x.rm-registry',
      'x.rm-deadletter',
      'x.rm-audit',
    ]);
    expect(eventsIndexFor(config, '2026-01-31T23:59:59Z')).toBe('rm-events-2026.01');
  });

  it('mappings are strict: an unexpected field is an error, not a silent new field', () => {
    for (const layout of indexLayouts(config))
      expect(layout.template.template.mappings.dynamic).toBe('strict');
  });
});

describe('Kafka topics', () => {
  it('are the topics of the design plus notices, reconciliations and alert state, the tables compacted', () => {
    const specs = topicSpecs(config);
    expect(specs.map((s) => s.name)).toEqual([
      'rm.raw.syslog',
      'rm.raw.windows',
      'rm.raw.rdgateway',
      'rm.events',
      'rm.approvals',
      'rm.registry',
      'rm.sessions',
      'rm.findings',
      'rm.notices',
      'rm.reconciliations',
      'rm.deadletter',
      'rm.alerts',
      'rm.alerts.retry',
    ]);
    const compacted = specs.filter((s) => s.configs['cleanup.policy'] === 'compact').map((s) => s.name);
    expect(compacted).toEqual(['rm.approvals', 'rm.registry', 'rm.reconciliations', 'rm.alerts']);
    // The session stage rebuilds its state from rm.sessions: the latest version of each session is kept.
    expect(specs.find((s) => s.name === 'rm.sessions')?.configs['cleanup.policy']).toBe('compact,delete');
  });

  it('take the namespace and configured partition counts', () => {
    const specs = topicSpecs({
      namespace: 'ns.',
      topics: { replicationFactor: 3, partitions: { 'rm.events': 12 } },
    });
    expect(specs.find((s) => s.name === 'ns.rm.events')).toMatchObject({
      partitions: 12,
      replicationFactor: 3,
    });
  });
});
