// `rmwatch setup`: creates the topics (DESIGN.md §3) and the index templates and indices (§7).
// Idempotent: a second run changes nothing and reports every item as unchanged.
import type { ResolvedConfig } from './config.ts';
import type { SearchStore } from './elasticsearch.ts';
import { indexLayouts } from './index-templates.ts';
import type { MessageBus } from './kafka.ts';
import { topicSpecs } from './topics.ts';

export interface SetupItem {
  kind: 'topic' | 'index template' | 'index';
  name: string;
  action: 'created' | 'updated' | 'unchanged' | 'drift';
  detail?: string;
}

export interface SetupReport {
  items: SetupItem[];
  /** Something was created or updated. */
  changed: boolean;
  /** Something exists in a shape setup will not change by itself (e.g. a topic's partition count). */
  drift: boolean;
}

export async function runSetup(
  config: Pick<ResolvedConfig, 'namespace' | 'topics' | 'elasticsearch'>,
  bus: MessageBus,
  store: SearchStore,
  now: Date = new Date(),
): Promise<SetupReport> {
  const items: SetupItem[] = (await bus.ensureTopics(topicSpecs(config))).map((c) => ({
    kind: 'topic',
    name: c.topic,
    action: c.action,
    detail: c.detail,
  }));
  for (const layout of indexLayouts(config, now)) {
    items.push({
      kind: 'index template',
      name: layout.name,
      action: await store.ensureIndexTemplate(layout.name, layout.template),
    });
    for (const index of layout.indices) {
      items.push({ kind: 'index', name: index, action: await store.ensureIndex(index, layout.template) });
    }
  }
  return {
    items,
    changed: items.some((i) => i.action === 'created' || i.action === 'updated'),
    drift: items.some((i) => i.action === 'drift'),
  };
}

export function formatSetupReport(report: SetupReport): string {
  const lines = report.items.map(
    (i) =>
      `${i.action.padEnd(9)} ${i.kind.padEnd(14)} ${i.name}${i.detail ? `  (${i.detail}; not changed)` : ''}`,
  );
  lines.push(
    report.changed
      ? 'setup: done.'
      : 'setup: nothing to change; every topic, template and index is already in place.',
  );
  if (report.drift) lines.push('setup: some items differ from the expected shape (see "drift" above).');
  return lines.join('\n');
}
