// The demo's working day: what `rmwatch demo` plays into a running pipeline, and what it must find.
//   input:  the day (YYYY-MM-DD, Asia/Tokyo); the demo plays today so that dashboards and the monthly
//           report show it
//   output: the registry (Registry YAML), the approvals ledger (CSV with the Japanese headers, as the
//           city keeps it), the device lines in the order the devices logged them (Cisco ASA and Yamaha
//           RTX syslog; RD Gateway, jump terminal and server events), a few lines no parser can read, and
//           what the pipeline must make of it all: sessions per vendor, one finding per expected rule
//           (pure: no I/O, the same day every time)
import type { RuleId } from '../../model/finding.ts';
import { plus, Scenario, type RawLine } from './scenario.ts';

export const DEMO_REGISTRY_YAML = `# The demo city's registry (rmwatch registry load).
vendors:
  - { id: vendor-a, name: 株式会社サンプル保守, sources: [203.0.113.0/28] }
  - { id: vendor-b, name: 北見システム株式会社, sources: [198.51.100.0/28] }
  - { id: vendor-c, name: 苫小牧データサービス, sources: [203.0.113.32/28] }
  - { id: vendor-d, name: 旧庁舎保守株式会社, sources: [203.0.113.48/28], frozen: true,
      frozen_reason: 情報漏えい事案の調査中 }
operators:
  - { id: op-yamada, name: 山田太郎, vendor: vendor-a, accounts: [vnd_yamada] }
  - { id: op-sato, name: 佐藤花子, vendor: vendor-a, accounts: [vnd_sato] }
  - { id: op-suzuki, name: 鈴木一郎, vendor: vendor-b, accounts: [vnd_suzuki] }
  - { id: op-takahashi, name: 高橋健, vendor: vendor-b, accounts: [vnd_takahashi] }
  - { id: op-tanaka, name: 田中誠, vendor: vendor-c, accounts: [vnd_tanaka] }
  - { id: op-ito, name: 伊藤進, vendor: vendor-d, accounts: [vnd_ito] }
jump_hosts:    [ { name: JUMP01, ip: 10.20.0.5 } ]
gateways:      [ { name: RDGW01, ip: 10.20.0.6 } ]
internal_networks: [10.20.0.0/16]
vpn_pools:     [10.99.0.0/24, 192.168.100.0/24]
generic_accounts: [administrator, admin, guest, hoshu, maint, vendor]
limits: { max_concurrent_sessions: 3, max_session_minutes: 480, idle_minutes: 30 }
systems:
  - { id: juki, name: 住民基本台帳システム, hosts: [APP01, 10.20.1.21] }
  - { id: zeimu, name: 税務システム, hosts: [DB01, 10.20.1.31] }
  - { id: fukushi, name: 福祉システム, hosts: [APP02, 10.20.1.22] }
`;

const SERVERS = {
  APP01: { name: 'APP01.city.local', ip: '10.20.1.21' },
  DB01: { name: 'DB01.city.local', ip: '10.20.1.31' },
  APP02: { name: 'APP02.city.local', ip: '10.20.1.22' },
} as const;
type Server = (typeof SERVERS)[keyof typeof SERVERS];

interface Person {
  user: string;
  /** Where the vendor's office connects from (inside the vendor's registered sources). */
  from: string;
  /** The address the VPN gives them. */
  assigned: string;
  /** The jump terminal's logon id of this visit; the server's is this with a 1 after it. */
  logonId: string;
}

const JUMP = 'JUMP01.city.local';
const GATEWAY_IP = '10.20.0.6';
const JUMP_IP = '10.20.0.5';

/** The VPN of each vendor: vendor-b's office dials the Yamaha RTX (L2TP), the others the Cisco ASA. */
type Vpn = { kind: 'asa' } | { kind: 'rtx'; pp: string; tunnel: number };

function vpnUp(s: Scenario, vpn: Vpn, at: string, p: Person): void {
  if (vpn.kind === 'asa') s.asaConnect(at, p);
  else s.rtxConnect(at, { ...p, pp: vpn.pp, tunnel: vpn.tunnel });
}

function vpnDown(s: Scenario, vpn: Vpn, at: string, p: Person): void {
  if (vpn.kind === 'asa') s.asaDisconnect(at, p);
  else s.rtxDisconnect(at, { pp: vpn.pp, tunnel: vpn.tunnel });
}

interface Visit {
  vpn: Vpn;
  person: Person;
  /** Japan time the VPN comes up; every later step is minutes after it. */
  at: string;
  minutes: number;
  server: Server;
  /** The account used on the server, when not the operator's own (a shared account). */
  serverAccount?: string;
  /** Something done on the server, `minutes` after the VPN came up. */
  onServer?: (s: Scenario, at: (minutes: number) => string, serverLogonId: string) => void;
}

/** The proper path: VPN → RD Gateway → jump terminal → server, and out again in reverse order. */
function visit(s: Scenario, v: Visit): void {
  const { user, assigned, logonId } = v.person;
  const t = (m: number) => plus(v.at, m);
  const onServer = v.serverAccount ?? user;
  const serverLogon = `${logonId}1`;
  vpnUp(s, v.vpn, t(0), v.person);
  s.gateway(300, t(0.5), { user, client: assigned, resource: JUMP })
    .gateway(302, t(0.6), { user, client: assigned, resource: JUMP })
    .logon(t(1), JUMP, { user, from: GATEWAY_IP, logonId })
    .onward(t(2), JUMP, { user, logonId, server: v.server.name, serverIp: v.server.ip, as: onServer })
    .logon(t(2.1), v.server.name, { user: onServer, from: JUMP_IP, logonId: serverLogon });
  v.onServer?.(s, t, serverLogon);
  s.logoff(t(v.minutes - 3), v.server.name, { user: onServer, logonId: serverLogon })
    .logoff(t(v.minutes - 2), JUMP, { user, logonId })
    .gateway(303, t(v.minutes - 1), { user, client: assigned, resource: JUMP });
  vpnDown(s, v.vpn, t(v.minutes), v.person);
}

/** Straight from the VPN to a server, past the RD Gateway and the jump terminal. */
function bypass(s: Scenario, v: Visit): void {
  const { user, assigned, logonId } = v.person;
  const t = (m: number) => plus(v.at, m);
  vpnUp(s, v.vpn, t(0), v.person);
  s.logon(t(1), v.server.name, { user, from: assigned, logonId }).logoff(t(v.minutes - 1), v.server.name, {
    user,
    logonId,
  });
  vpnDown(s, v.vpn, t(v.minutes), v.person);
}

const ASA: Vpn = { kind: 'asa' };

const yamada = { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12', logonId: '0x3a1f2' };
const sato = { user: 'vnd_sato', from: '203.0.113.6', assigned: '10.99.0.14', logonId: '0x5c3' };
const suzuki = { user: 'vnd_suzuki', from: '198.51.100.3', assigned: '192.168.100.21', logonId: '0x4b2' };
const takahashi = {
  user: 'vnd_takahashi',
  from: '198.51.100.4',
  assigned: '192.168.100.22',
  logonId: '0x4c7',
};
const tanaka = { user: 'vnd_tanaka', from: '203.0.113.35', assigned: '10.99.0.31', logonId: '0x6d1' };
const ito = { user: 'vnd_ito', from: '203.0.113.50', assigned: '10.99.0.41', logonId: '0x7e9' };

/** A line the demo sends that no parser can read: it must end in the dead letters, not vanish. */
export interface BadLine {
  /** Epoch ms it is sent among the day's lines. */
  at: number;
  bytes: Buffer;
  /** What is wrong with it, for the newcomer reading the progress. */
  why: string;
}

/** A step of the day, in the order the devices logged it. */
export type DayStep = { kind: 'line'; line: RawLine & { at: number } } | { kind: 'bad'; bad: BadLine };

export interface DemoDay {
  date: string;
  registryYaml: string;
  /** The approvals ledger, CSV with the Japanese headers (UTF-8 with BOM, as Excel saves it). */
  approvalsCsv: string;
  steps: DayStep[];
  expected: {
    /** Sessions per vendor id. */
    sessions: Record<string, number>;
    /** Exactly one finding of each of these rules, and no other finding. */
    findings: Partial<Record<RuleId, number>>;
    deadLetters: number;
    /** Approval ids in the ledger. */
    approvals: string[];
  };
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The day `date` (YYYY-MM-DD, Asia/Tokyo) of the demo city. */
export function demoDay(date: string): DemoDay {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`demo day must be YYYY-MM-DD: ${date}`);
  const d = (hm: string) => `${date} ${hm}`;
  const rtx = (pp: string, tunnel: number): Vpn => ({ kind: 'rtx', pp, tunnel });

  const approvals: string[][] = [
    [
      'R-01',
      'vendor-a',
      '山田太郎',
      'vnd_yamada',
      'APP01',
      '住民基本台帳システム 障害対応',
      d('09:00'),
      d('12:00'),
    ],
    [
      'R-02',
      'vendor-b',
      '鈴木一郎',
      'vnd_suzuki',
      'DB01',
      '税務システム 月次パッチ適用',
      d('09:00'),
      d('12:00'),
    ],
    ['R-03', 'vendor-b', '高橋健', 'vnd_takahashi', 'APP01', '帳票レイアウト修正', d('10:00'), d('12:00')],
    ['R-04', 'vendor-c', '田中誠', 'vnd_tanaka', 'APP02', '福祉システム 定期保守', d('10:00'), d('17:00')],
    ['R-05', 'vendor-a', '山田太郎', 'hoshu', 'APP01', 'ログ調査', d('13:00'), d('15:00')],
    // Approved before vendor-d was frozen: the freeze, not the window, must stop it.
    ['R-06', 'vendor-d', '伊藤進', 'vnd_ito', 'APP01', '機器交換後の確認', d('14:00'), d('16:00')],
  ];
  const header = '申請番号,事業者,作業者,アカウント,対象サーバ,作業目的,開始日時,終了日時,接続元,承認者,状態';
  const approvalsCsv =
    '\uFEFF' +
    [header, ...approvals.map((r) => [...r, '', '情報政策課', '承認'].map(csvCell).join(','))].join('\r\n') +
    '\r\n';

  const s = new Scenario(1000);
  // 08:10 佐藤 (vendor-a) starts before anyone approved her work: out_of_window.
  visit(s, { vpn: ASA, person: sato, at: d('08:10'), minutes: 40, server: SERVERS.APP01 });
  // 09:10 山田 (vendor-a), inside R-01: a proper visit.
  visit(s, { vpn: ASA, person: yamada, at: d('09:10'), minutes: 50, server: SERVERS.APP01 });
  // 09:30 鈴木 (vendor-b) over the Yamaha RTX, inside R-02.
  visit(s, { vpn: rtx('ANONYMOUS02', 2), person: suzuki, at: d('09:30'), minutes: 45, server: SERVERS.DB01 });
  // 10:30 高橋 (vendor-b) copies a file from his own PC's drive over \\tsclient: file_transfer.
  visit(s, {
    vpn: rtx('ANONYMOUS03', 3),
    person: takahashi,
    at: d('10:30'),
    minutes: 40,
    server: SERVERS.APP01,
    onServer: (sc, t, logonId) =>
      sc.redirectedFile(t(15), SERVERS.APP01.name, {
        user: 'vnd_takahashi',
        logonId,
        path: 'C\\作業\\帳票テンプレート.xlsx',
      }),
  });
  // 11:20 田中 (vendor-c) goes from the VPN straight to APP02, past the jump terminal: jump_host_bypass.
  bypass(s, { vpn: ASA, person: tanaka, at: d('11:20'), minutes: 25, server: SERVERS.APP02 });
  // 13:10 vendor-a works inside R-05, whose request named the company's maintenance account `hoshu` (which
  // the city approved without noticing): everyone at the vendor can sign in with it, so shared_account.
  visit(s, {
    vpn: ASA,
    person: { user: 'hoshu', from: '203.0.113.7', assigned: '10.99.0.17', logonId: '0x3b004' },
    at: d('13:10'),
    minutes: 45,
    server: SERVERS.APP01,
  });
  // 14:20 伊藤 (vendor-d) tries to work although vendor-d is frozen: frozen_vendor.
  visit(s, { vpn: ASA, person: ito, at: d('14:20'), minutes: 20, server: SERVERS.APP01 });
  // 15:00 田中 (vendor-c) again, this time properly through the jump terminal.
  visit(s, {
    vpn: ASA,
    person: { ...tanaka, logonId: '0x6e5' },
    at: d('15:00'),
    minutes: 55,
    server: SERVERS.APP02,
  });

  const at = (hm: string) => Date.parse(`${date}T${hm}:00+09:00`);
  const bad: BadLine[] = [
    {
      at: at('09:45'),
      bytes: Buffer.from('保守端末のテスト送信です（syslog の形ではありません）', 'utf8'),
      why: 'not syslog',
    },
    {
      at: at('12:05'),
      bytes: Buffer.from('<999>rtx1200: a relay mangled this priority'),
      why: 'PRI out of range',
    },
    { at: at('16:30'), bytes: Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x53, 0x41, 0x0a]), why: 'not text' },
  ];

  const steps: DayStep[] = [
    ...s.lines.map((line): DayStep => ({ kind: 'line', line: { ...line, at: line.at ?? 0 } })),
    ...bad.map((b): DayStep => ({ kind: 'bad', bad: b })),
  ];
  const stepAt = (x: DayStep) => (x.kind === 'line' ? x.line.at : x.bad.at);
  // Stable: lines logged in the same second keep the order the scenario wrote them in.
  steps.sort((a, b) => stepAt(a) - stepAt(b));

  return {
    date,
    registryYaml: DEMO_REGISTRY_YAML,
    approvalsCsv,
    steps,
    expected: {
      sessions: { 'vendor-a': 3, 'vendor-b': 2, 'vendor-c': 2, 'vendor-d': 1 },
      findings: {
        out_of_window: 1,
        file_transfer: 1,
        jump_host_bypass: 1,
        shared_account: 1,
        frozen_vendor: 1,
      },
      deadLetters: bad.length,
      approvals: approvals.map((r) => r[0] as string),
    },
  };
}

/** The device lines of a day, in order (what the collectors receive, without the bad lines). */
export function dayLines(day: DemoDay): RawLine[] {
  return day.steps.flatMap((x) => (x.kind === 'line' ? [x.line] : []));
}
