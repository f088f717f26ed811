// Sessionize + rules on one core: the correlator's pure core (no Kafka), with 1,000 sessions open at once and
// 10,000 approvals in the ledger. Events are canonical events as the normaliser writes them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Approval } from '../model/approval.ts';
import type { CanonicalEvent } from '../model/event.ts';
import { eventId } from '../model/ids.ts';
import type { RegistryRecord } from '../model/registry.ts';
import { Correlator } from '../processors/correlate/engine.ts';
import { defaultCorrelateSettings } from '../processors/correlate/settings.ts';

export interface CorrelateRun {
  openSessions: number;
  approvals: number;
  events: number;
  seconds: number;
  perSecond: number;
  /** Heap per open session just after it opened (VPN, gateway, jump logon) and after the run. */
  bytesPerSessionOpened: number;
  bytesPerSessionAfter: number;
  entriesPerSessionAfter: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** The V8 heap in use after full garbage collections. */
export const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const BATCH = 500;
const DAY0 = Date.parse('2026-11-24T00:00:00Z');
const ip = (n: number, base: string) => `${base}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
const pad = (n: number) => String(n).padStart(4, '0');

function city(operators: number, approvalsPerOperator: number) {
  const registry: RegistryRecord[] = [
    { kind: 'jump_host', name: 'JUMP01', ip: '10.20.0.5' },
    { kind: 'gateway', name: 'RDGW01', ip: '10.20.0.6' },
    { kind: 'network', role: 'internal', cidr: '10.20.0.0/16' },
    { kind: 'network', role: 'vpn_pool', cidr: '10.99.0.0/16' },
    { kind: 'limits', max_concurrent_sessions: 2000, max_session_minutes: 480, idle_minutes: 30 },
  ];
  for (let v = 0; v < 50; v++)
    registry.push({
      kind: 'vendor',
      id: `vendor-${v}`,
      name: `保守事業者${v}`,
      frozen: false,
      sources: ['203.0.0.0/8'],
    });
  const approvals: Approval[] = [];
  for (let o = 0; o < operators; o++) {
    const account = `vnd_${pad(o)}`;
    registry.push({
      kind: 'operator',
      id: `op-${pad(o)}`,
      name: `作業者${o}`,
      vendor: `vendor-${o % 50}`,
      accounts: [account],
    });
    for (let a = 0; a < approvalsPerOperator; a++) {
      // One window today, the others on earlier days: every session has many candidates to sift.
      const start = DAY0 - a * 86_400_000 - 3600_000;
      approvals.push({
        id: `R-${pad(o)}-${a}`,
        vendor: `vendor-${o % 50}`,
        operators: [{ name: `作業者${o}`, id: `op-${pad(o)}`, accounts: [account] }],
        targets: ['APP01', 'DB01'],
        purpose: '保守',
        window: { start: new Date(start).toISOString(), end: new Date(start + 12 * 3600_000).toISOString() },
        sources: [],
        status: 'approved',
      });
    }
  }
  return { registry, approvals };
}

function event(
  n: number,
  at: number,
  fields: Omit<CanonicalEvent, '@timestamp' | 'event'> & {
    action: CanonicalEvent['event']['action'];
    dataset: string;
    outcome?: 'success' | 'failure';
  },
): CanonicalEvent {
  const { action, dataset, outcome, ...rest } = fields;
  return {
    '@timestamp': new Date(at).toISOString(),
    event: { id: eventId('bench', `${n}`), action, outcome: outcome ?? 'success', dataset },
    ...rest,
  };
}

export function benchCorrelate(open = 1000, approvalsPerOperator = 10, events = 200_000): CorrelateRun {
  const { registry, approvals } = city(open, approvalsPerOperator);
  let clock = DAY0;
  const correlator = new Correlator({
    settings: defaultCorrelateSettings(),
    registry,
    approvals,
    clock: () => new Date(clock).toISOString(),
  });
  let n = 0;
  const jump = { name: 'JUMP01.city.local' };

  const before = heap();
  // Every operator connects: VPN, gateway, jump terminal logon.
  for (let o = 0; o < open; o++) {
    const user = { name: `vnd_${pad(o)}` };
    const assigned = ip(o, '10.99');
    const t = DAY0 + o * 1000;
    correlator.ingest(
      event(n++, t, {
        action: 'vpn_session_start',
        dataset: 'vpn.cisco_asa',
        user,
        source: { ip: ip(o, '203.0') },
        vpn: { assigned_ip: assigned },
        observer: { hostname: 'asa01' },
      }),
    );
    correlator.ingest(
      event(n++, t + 100, {
        action: 'gateway_connect',
        dataset: 'rdgateway',
        user,
        source: { ip: assigned },
        destination: { domain: 'JUMP01.city.local' },
        host: { name: 'RDGW01.city.local' },
      }),
    );
    correlator.ingest(
      event(n++, t + 200, {
        action: 'rdp_logon',
        dataset: 'windows.security',
        user,
        source: { ip: '10.20.0.6' },
        host: jump,
        winlog: { logon: { id: `0x${o.toString(16)}`, type: 10 } },
      }),
    );
  }
  const opened = heap();
  clock = DAY0 + open * 1000;

  // Then the work: onward connections, server logons and logoffs, disconnects and reconnects, spread over
  // every open session, in time order.
  const kinds = 5;
  const warm = Math.min(20_000, events / 10);
  const step = (i: number) => {
    const o = i % open;
    const user = { name: `vnd_${pad(o)}` };
    const logon = `0x${o.toString(16)}`;
    const t = clock + i * 50;
    const server = i % 2 === 0 ? 'APP01.city.local' : 'DB01.city.local';
    switch (Math.floor(i / open) % kinds) {
      case 0:
        return event(n++, t, {
          action: 'explicit_credentials',
          dataset: 'windows.security',
          user,
          host: jump,
          destination: { domain: server, ip: '10.20.1.21' },
          winlog: { logon: { id: logon } },
        });
      case 1:
        return event(n++, t, {
          action: 'rdp_logon',
          dataset: 'windows.security',
          user,
          host: { name: server },
          source: { ip: '10.20.0.5' },
          winlog: { logon: { id: `${logon}1`, type: 10 } },
        });
      case 2:
        return event(n++, t, {
          action: 'rdp_logoff',
          dataset: 'windows.security',
          user,
          host: { name: server },
          winlog: { logon: { id: `${logon}1` } },
        });
      case 3:
        return event(n++, t, {
          action: 'rdp_disconnect',
          dataset: 'windows.security',
          user,
          host: jump,
          source: { ip: '10.20.0.6' },
          winlog: { logon: { id: logon } },
        });
      default:
        return event(n++, t, {
          action: 'rdp_reconnect',
          dataset: 'windows.security',
          user,
          host: jump,
          source: { ip: '10.20.0.6' },
          winlog: { logon: { id: logon } },
        });
    }
  };
  for (let i = 0; i < warm; i++) correlator.ingest(step(i));
  const stream: CanonicalEvent[] = [];
  for (let i = warm; i < warm + events; i++) stream.push(step(i));
  // As the stage hands them over: Kafka batches of a few hundred events.
  const started = process.hrtime.bigint();
  for (let i = 0; i < stream.length; i += BATCH)
    correlator.ingestBatch(stream.slice(i, i + BATCH).map((event) => ({ event })));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  stream.length = 0;
  const after = heap();
  const sessions = [...correlator.stitcher.sessions.values()];
  const openNow = sessions.filter((s) => s.record.status === 'open').length;
  const entries = sessions.reduce((sum, s) => sum + s.timeline.length, 0) / Math.max(1, sessions.length);
  return {
    openSessions: openNow,
    approvals: approvals.length,
    events,
    seconds,
    perSecond: Math.round(events / seconds),
    bytesPerSessionOpened: Math.round((opened - before) / open),
    bytesPerSessionAfter: Math.round((after - before) / open),
    entriesPerSessionAfter: Math.round(entries),
  };
}
