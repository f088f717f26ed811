// How fast the auditors' session list answers over a year's worth of data: 1,000,000 events in monthly
// indices and the 40,000 sessions they make (25 events each, a tenth with findings), through the same query
// layer the API and CLI use (exact totals, sorted, one page).
import { randomBytes } from 'node:crypto';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { indexName, monthlyIndexFor } from '../infra/index-templates.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { runSetup } from '../infra/setup.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { eventId } from '../model/ids.ts';
import type { Session, TimelineEntry } from '../model/session.ts';
import { SessionListQuery } from '../processors/audit/filters.ts';
import { createAuditQueries } from '../processors/audit/query.ts';

export interface QueryTiming {
  query: string;
  total: number;
  p50ms: number;
  p99ms: number;
}

export interface QueryRun {
  events: number;
  sessions: number;
  loadSeconds: number;
  timings: QueryTiming[];
}

const EVENTS_PER_SESSION = 25;
const YEAR0 = Date.parse('2025-12-01T00:00:00Z');
const ACTIONS = ['vpn_session_start', 'gateway_connect', 'logon', 'explicit_credentials', 'logon'] as const;

function sessionOf(n: number, sessions: number): { session: Session; events: object[] } {
  const start = YEAR0 + Math.floor((n / sessions) * 365 * 86400_000);
  const vendor = `vendor-${n % 10}`;
  const operator = `op-${n % 100}`;
  const account = `vnd_user${n % 100}`;
  const target = `APP${String(n % 30).padStart(2, '0')}.city.local`;
  const events: object[] = [];
  const timeline: TimelineEntry[] = [];
  for (let k = 0; k < EVENTS_PER_SESSION; k++) {
    const at = new Date(start + k * 120_000).toISOString();
    const id = eventId('bench', `${n}-${k}`);
    const action = ACTIONS[k % ACTIONS.length] ?? 'logon';
    events.push({
      '@timestamp': at,
      event: { id, action, outcome: 'success', dataset: 'windows.security' },
      host: { name: target },
      user: { name: account, domain: 'CITY' },
      source: { ip: '10.20.0.5' },
      message: `アカウントが正常にログオンしました。 ${account}`,
    });
    timeline.push({ id, at, action, outcome: 'success', layer: 'target', host: target, account });
  }
  const end = new Date(start + EVENTS_PER_SESSION * 120_000).toISOString();
  const flagged = n % 10 === 0;
  const session: Session = {
    id: `s-${n}`,
    status: 'closed',
    closed_by: 'end_event',
    start: new Date(start).toISOString(),
    end,
    last_seen: end,
    established: true,
    layers: ['vpn', 'gateway', 'jump', 'target'],
    coverage_gaps: [],
    vendor,
    operator,
    accounts: [account],
    source: { ip: '203.0.113.5' },
    addresses: ['203.0.113.5', '10.99.0.12'],
    jump_host: 'JUMP01',
    targets: [target],
    logon_ids: ['0x3a1f2'],
    bytes_in: 1000,
    bytes_out: 5000,
    duration_s: EVENTS_PER_SESSION * 120,
    auth_failures: 0,
    approval_id: n % 7 === 0 ? undefined : `R-${Math.floor(n / 3)}`,
    late: false,
    evidence: timeline.map((t) => t.id),
    timeline,
    truncated: 0,
    findings: flagged
      ? [{ id: `f-${n}`, fingerprint: 'x', rule: 'out_of_window', severity: 'high', session_id: `s-${n}` }]
      : [],
    notices: ['session_start', 'session_end'],
    updated_at: end,
  };
  if (session.approval_id === undefined) delete session.approval_id;
  return { session, events };
}

async function bulk(url: string, lines: string[]): Promise<void> {
  const response = await fetch(`${url}/_bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: lines.join(''),
  });
  const answer = (await response.json()) as { errors: boolean };
  if (!response.ok || answer.errors)
    throw new Error(`loading the benchmark data failed: HTTP ${response.status}`);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function benchAuditQuery(
  base: ResolvedConfig,
  log: Logger,
  options: { events: number; repetitions: number },
): Promise<QueryRun> {
  const config = { ...base, namespace: `bench-query-${randomBytes(3).toString('hex')}.` };
  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  const sessions = Math.floor(options.events / EVENTS_PER_SESSION);
  try {
    await runSetup(config, bus, store);
    const started = performance.now();
    const sessionIndex = indexName(config, 'sessions');
    let next = 0;
    const chunk = 200;
    const worker = async () => {
      for (let from = (next += chunk) - chunk; from < sessions; from = (next += chunk) - chunk) {
        const lines: string[] = [];
        for (let n = from; n < Math.min(sessions, from + chunk); n++) {
          const { session, events } = sessionOf(n, sessions);
          lines.push(
            `${JSON.stringify({ index: { _index: sessionIndex, _id: session.id } })}\n${JSON.stringify(session)}\n`,
          );
          for (const e of events as { '@timestamp': string; event: { id: string } }[])
            lines.push(
              `${JSON.stringify({ index: { _index: monthlyIndexFor(config, 'events', e['@timestamp']), _id: e.event.id } })}\n${JSON.stringify(e)}\n`,
            );
        }
        await bulk(config.elasticsearch.url, lines);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    await store.refresh(`${config.namespace}*`);
    const loadSeconds = (performance.now() - started) / 1000;

    const queries = createAuditQueries(config, store);
    const cases: [string, Record<string, unknown>][] = [
      ['all sessions, newest first (page 1 of 50)', {}],
      ['one vendor', { vendor: 'vendor-3' }],
      ['one account', { account: 'vnd_user42' }],
      ['one host', { host: 'APP07' }],
      ['one month (Asia/Tokyo)', { from: '2026-06-01', to: '2026-07-01' }],
      ['with findings', { has_findings: 'true' }],
      [
        'rule out_of_window, one vendor, a quarter',
        { rule: 'out_of_window', vendor: 'vendor-0', from: '2026-04-01', to: '2026-07-01' },
      ],
      ['page 100 of the whole list', { page: '100' }],
    ];
    const timings: QueryTiming[] = [];
    for (const [name, filters] of cases) {
      const request = SessionListQuery.parse(filters);
      let total = 0;
      for (let i = 0; i < 3; i++) total = (await queries.sessions(request)).total;
      const times: number[] = [];
      for (let i = 0; i < options.repetitions; i++) {
        const t = performance.now();
        await queries.sessions(request);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      timings.push({ query: name, total, p50ms: percentile(times, 50), p99ms: percentile(times, 99) });
    }
    const events = await store.count(indexName(config, 'events'));
    return { events, sessions, loadSeconds, timings };
  } finally {
    await store.deleteIndices(`${config.namespace}*`).catch(() => undefined);
    await store.deleteIndexTemplates(`${config.namespace}*`).catch(() => undefined);
    await bus.deleteTopics(Object.values(TOPICS).map((t) => topicName(config, t))).catch(() => undefined);
    await Promise.all([bus.close(), store.close()]);
  }
}
