// Each rule's scenario and its near-miss twin, one day each, for running them all through one pipeline.
import type { Approval } from '../../model/index.ts';
import { approval, visit } from './city.ts';
import type { Scenario } from './scenario.ts';
import { plus } from './scenario.ts';

export const sato = { id: 'op-sato', name: '佐藤花子', account: 'vnd_sato' };
export const suzuki = { id: 'op-suzuki', name: '鈴木一郎', account: 'vnd_suzuki' };
/** The day each approval set belongs to: yamada's with a matching report, sato's, suzuki's (vendor-b). */
export const approvalsOf = (day: string, report = true): Approval[] => [
  approval({
    id: `R-${day}`,
    start: `${day} 09:00`,
    end: `${day} 12:00`,
    report: report ? { start: `${day} 09:00`, end: `${day} 12:00`, targets: ['APP01'] } : undefined,
  }),
  approval({ id: `R-${day}-s`, start: `${day} 09:00`, end: `${day} 12:00`, operator: sato }),
  approval({
    id: `R-${day}-z`,
    start: `${day} 09:00`,
    end: `${day} 12:00`,
    operator: suzuki,
    vendor: 'vendor-b',
  }),
];

export interface Case {
  rule: string;
  /** What the scenario is, as the rule reads. */
  name: string;
  fires: boolean;
  build(day: string, s: Scenario): void;
  report?: boolean;
}

const proper = (day: string, s: Scenario) => visit(s, { at: `${day} 09:01` });
export const twoUsersOneAccount = (day: string, s: Scenario, secondAt: string) =>
  s
    .asaConnect(`${day} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
    .logon(`${day} 09:02`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x10' })
    .logoff(`${day} 09:30`, 'JUMP01.city.local', { user: 'vnd_yamada', logonId: '0x10' })
    .asaDisconnect(`${day} 09:31`, { user: 'vnd_yamada', from: '203.0.113.5' })
    .asaConnect(`${day} ${secondAt}`, { user: 'vnd_sato', from: '203.0.113.6', assigned: '10.99.0.13' })
    .logon(plus(`${day} ${secondAt}`, 1), 'JUMP01.city.local', {
      user: 'vnd_yamada',
      from: '10.99.0.13',
      logonId: '0x11',
    })
    .logoff(plus(`${day} ${secondAt}`, 10), 'JUMP01.city.local', { user: 'vnd_yamada', logonId: '0x11' })
    .asaDisconnect(plus(`${day} ${secondAt}`, 11), { user: 'vnd_sato', from: '203.0.113.6' });
export const failures = (day: string, s: Scenario, n: number): Scenario => {
  for (let i = 0; i < n; i++)
    s.asaLoginFailure(plus(`${day} 22:14`, i), { user: 'hoshu', from: '192.0.2.66' });
  return s;
};
export const disconnected = (day: string, s: Scenario, minutes: number) =>
  visit(s, { at: `${day} 09:01`, minutes: 90 })
    .disconnect(`${day} 09:10`, 'JUMP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x3a1f2',
      from: '10.20.0.6',
    })
    .logon(plus(`${day} 09:10`, minutes), 'JUMP01.city.local', {
      user: 'vnd_yamada',
      from: '10.20.0.6',
      logonId: '0x3a1f3',
    });
export const three = (day: string, s: Scenario, third: boolean): Scenario => {
  visit(s, { at: `${day} 09:01` });
  visit(s, {
    at: `${day} 09:05`,
    user: 'vnd_sato',
    from: '203.0.113.6',
    assigned: '10.99.0.13',
    logonId: '0x4b',
  });
  if (third)
    visit(s, {
      at: `${day} 09:10`,
      user: 'vnd_suzuki',
      from: '198.51.100.2',
      assigned: '10.99.0.14',
      logonId: '0x5c',
    });
  return s;
};

export const CASES: Case[] = [
  {
    rule: 'unreported_session',
    name: 'a finished session whose approval has no report',
    fires: true,
    build: proper,
    report: false,
  },
  { rule: 'unreported_session', name: 'the same with the report filed', fires: false, build: proper },
  {
    rule: 'out_of_window',
    name: 'a session one minute before the window',
    fires: true,
    build: (d, s) => visit(s, { at: `${d} 08:59` }),
  },
  {
    rule: 'out_of_window',
    name: 'one minute inside it',
    fires: false,
    build: (d, s) => visit(s, { at: `${d} 09:01` }),
  },
  {
    rule: 'target_not_approved:host:db01',
    name: 'a server the approval does not list',
    fires: true,
    build: (d, s) => visit(s, { at: `${d} 09:01`, server: { name: 'DB01.city.local', ip: '10.20.1.22' } }),
  },
  { rule: 'target_not_approved:host:app01', name: 'the listed server', fires: false, build: proper },
  {
    rule: 'shared_account:generic:administrator',
    name: 'going on to a server as Administrator',
    fires: true,
    build: (d, s) =>
      s
        .asaConnect(`${d} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
        .logon(`${d} 09:02`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x10' })
        .onward(`${d} 09:03`, 'JUMP01.city.local', {
          user: 'vnd_yamada',
          logonId: '0x10',
          server: 'APP01.city.local',
          serverIp: '10.20.1.21',
          as: 'Administrator',
        })
        .logon(`${d} 09:03:05`, 'APP01.city.local', {
          user: 'Administrator',
          from: '10.20.0.5',
          logonId: '0x20',
        }),
  },
  {
    rule: 'shared_account:generic:administrator',
    name: 'with the personal account',
    fires: false,
    build: proper,
  },
  {
    rule: 'shared_account:concurrent:vnd_yamada',
    name: 'one account, two VPN users at once',
    fires: true,
    build: (d, s) => twoUsersOneAccount(d, s, '09:10'),
  },
  {
    rule: 'shared_account:concurrent:vnd_yamada',
    name: 'one after the other',
    fires: false,
    build: (d, s) => twoUsersOneAccount(d, s, '09:40'),
  },
  {
    rule: 'file_transfer:share',
    name: 'share access in the session',
    fires: true,
    build: (d, s) =>
      proper(d, s).shareFile(`${d} 09:20`, 'APP01.city.local', {
        user: 'vnd_yamada',
        logonId: '0x3a1f21',
        from: '10.20.0.5',
        path: '住民データ\\a.csv',
      }),
  },
  { rule: 'file_transfer:share', name: 'screen work only', fires: false, build: proper },
  {
    rule: 'jump_host_bypass:host:app01',
    name: 'a server logon straight from the VPN address',
    fires: true,
    build: (d, s) =>
      s
        .asaConnect(`${d} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
        .logon(`${d} 09:02`, 'APP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x30' }),
  },
  { rule: 'jump_host_bypass:host:app01', name: 'through the jump terminal', fires: false, build: proper },
  {
    rule: 'unregistered_source:source:192.0.2.10',
    name: 'VPN from an unregistered address',
    fires: true,
    build: (d, s) => visit(s, { at: `${d} 09:01`, from: '192.0.2.10' }),
  },
  {
    rule: 'unregistered_source:source:203.0.113.14',
    name: 'from a registered one',
    fires: false,
    build: (d, s) => visit(s, { at: `${d} 09:01`, from: '203.0.113.14' }),
  },
  {
    rule: 'overlong_session:window',
    name: 'a session ending a minute after its window',
    fires: true,
    build: (d, s) => visit(s, { at: `${d} 11:01` }),
  },
  {
    rule: 'overlong_session:window',
    name: 'ending a minute before it',
    fires: false,
    build: (d, s) => visit(s, { at: `${d} 10:59` }),
  },
  {
    rule: 'idle_session:disconnected:JUMP01.city.local',
    name: 'left disconnected 35 minutes',
    fires: true,
    build: (d, s) => disconnected(d, s, 35),
  },
  {
    rule: 'idle_session:disconnected:JUMP01.city.local',
    name: 'resumed after 25',
    fires: false,
    build: (d, s) => disconnected(d, s, 25),
  },
  {
    rule: 'auth_failure_burst:burst',
    name: 'five failures in ten minutes',
    fires: true,
    build: (d, s) => failures(d, s, 5),
  },
  { rule: 'auth_failure_burst:burst', name: 'four', fires: false, build: (d, s) => failures(d, s, 4) },
  {
    rule: 'concurrency_exceeded',
    name: 'three sessions at once (limit two)',
    fires: true,
    build: (d, s) => three(d, s, true),
  },
  { rule: 'concurrency_exceeded', name: 'two', fires: false, build: (d, s) => three(d, s, false) },
  // vendor-b is frozen from the last day on.
  {
    rule: 'frozen_vendor',
    name: 'a vendor connecting the day before its freeze',
    fires: false,
    build: (d, s) =>
      visit(s, {
        at: `${d} 09:10`,
        user: 'vnd_suzuki',
        from: '198.51.100.2',
        assigned: '10.99.0.14',
        logonId: '0x5c',
      }),
  },
  {
    rule: 'frozen_vendor',
    name: 'the frozen vendor connecting',
    fires: true,
    build: (d, s) =>
      visit(s, {
        at: `${d} 09:10`,
        user: 'vnd_suzuki',
        from: '198.51.100.2',
        assigned: '10.99.0.14',
        logonId: '0x5c',
      }),
  },
];

export const dayOf = (i: number) => {
  const t = new Date(Date.UTC(2026, 11, 1 + i));
  return t.toISOString().slice(0, 10);
};
