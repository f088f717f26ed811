// What the pipeline made of the demo day, read back the way people see it: from Elasticsearch (sessions,
// findings, dead letters) and from the alerts log the webhook receiver writes.
//   input:  the demo configuration (namespace), the day's Asia/Tokyo bounds, the alerts log
//   output: counts per vendor, per rule, dead letters, alerts by source; `settled` compares them to what the
//           day expects
import { readFile } from 'node:fs/promises';
import type { ResolvedConfig } from '../config.ts';
import type { SearchStore } from '../elasticsearch.ts';
import { indexName } from '../index-templates.ts';
import type { DemoDay } from './day.ts';

export interface Observed {
  sessions: Record<string, number>;
  /** Sessions still open (a layer's end not yet stitched). */
  openSessions: number;
  findings: Record<string, number>;
  deadLetters: number;
  alerts: {
    /** Findings whose last alert says active. */
    findings: number;
    /** Findings alerted and then withdrawn. */
    withdrawn: number;
    notices: number;
    /** Every alert delivered (a withdrawal is an alert of its own). */
    lines: number;
  };
}

const countBy = (values: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};

/** Elasticsearch answers a missing index (before the sink wrote anything) as an error: that is zero. */
const orNothing = <T>(p: Promise<T>, nothing: T) => p.catch(() => nothing);

export async function observe(
  store: SearchStore,
  config: Pick<ResolvedConfig, 'namespace'>,
  day: Pick<DemoDay, 'date'>,
  alertsLog: string,
): Promise<Observed> {
  const from = new Date(`${day.date}T00:00:00+09:00`).toISOString();
  const to = new Date(Date.parse(from) + 24 * 3600_000).toISOString();
  await orNothing(store.refresh(`${config.namespace}*`), undefined);
  const sessions = await orNothing(
    store.search(indexName(config, 'sessions'), {
      size: 1000,
      _source: ['vendor', 'status'],
      query: {
        bool: {
          filter: [{ range: { start: { gte: from, lt: to } } }],
          must_not: [{ term: { status: 'merged' } }],
        },
      },
    }),
    { total: 0, hits: [] },
  );
  const findings = await orNothing(
    store.search(indexName(config, 'findings'), {
      size: 1000,
      _source: ['rule'],
      query: {
        bool: {
          filter: [{ term: { status: 'active' } }, { range: { '@timestamp': { gte: from, lt: to } } }],
        },
      },
    }),
    { total: 0, hits: [] },
  );
  const deadLetters = await orNothing(store.count(indexName(config, 'deadletter')), 0);
  const lines = (await orNothing(readFile(alertsLog, 'utf8'), '')).split('\n').filter((l) => l !== '');
  // The last state alerted for each finding: a finding the correlator raised and withdrew again while the
  // day's events were still arriving leaves an alert and its withdrawal, and counts as withdrawn.
  const lastState = new Map<string, string>();
  let notices = 0;
  for (const l of lines) {
    let alert: { source?: string; source_id?: string; state?: string } | undefined;
    try {
      alert = (JSON.parse(l) as { alert?: typeof alert }).alert;
    } catch {
      continue;
    }
    if (alert?.source === 'notice') notices++;
    else if (alert?.source === 'finding' && alert.source_id)
      lastState.set(alert.source_id, alert.state ?? '');
  }
  const states = [...lastState.values()];
  return {
    sessions: countBy(sessions.hits.map((h) => String(h.vendor ?? '(no vendor)'))),
    openSessions: sessions.hits.filter((h) => h.status === 'open').length,
    findings: countBy(findings.hits.map((h) => String(h.rule))),
    deadLetters,
    alerts: {
      findings: states.filter((st) => st.startsWith('active')).length,
      withdrawn: states.filter((st) => st === 'withdrawn').length,
      notices,
      lines: lines.length,
    },
  };
}

const same = (a: Record<string, number>, b: Record<string, number | undefined>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
};

/** Everything the day should show is searchable, and every alert it raises was delivered. */
export function settled(seen: Observed, day: DemoDay): boolean {
  const sessions = Object.values(day.expected.sessions).reduce((a, b) => a + b, 0);
  const findings = Object.values(day.expected.findings).reduce((a, b) => a + (b ?? 0), 0);
  return (
    same(seen.sessions, day.expected.sessions) &&
    seen.openSessions === 0 &&
    same(seen.findings, day.expected.findings) &&
    seen.deadLetters >= day.expected.deadLetters &&
    seen.alerts.findings >= findings &&
    // A start and an end notice for each session.
    seen.alerts.notices >= 2 * sessions
  );
}
