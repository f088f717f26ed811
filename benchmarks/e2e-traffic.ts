// The traffic of the end-to-end benchmark, as the devices write it: one maintenance session is a vendor
// coming in over the Cisco ASA VPN, through the RD Gateway to the jump terminal, on to a server, touching a
// file there, and leaving. VPN lines and the jump terminal's logon (Snare, Windows-over-syslog) go to the
// syslog collector; the other Windows events go to the Windows collector's HTTP input, as event XML
// (wevtutil/WEF) and as Winlogbeat NDJSON. Marker sessions are a VPN connection of an account of their own,
// which no approval covers: each raises exactly one known `out_of_window` finding.
import { z } from 'zod';
import { Scenario } from '../test/support/scenario.ts';
import { tokyoFields, tokyoWallClock } from '../model/tokyo-time.ts';

/**
 * The city the traffic comes into, as its registry says (DESIGN.md §8): the jump terminal and the gateway the
 * sessions pass, the city's own network, and the VPN's address pools (background sessions get addresses from
 * 100.64.0.0/10, markers from 10.98.0.0/16). Without it the correlator cannot tell the jump terminal's address
 * on the servers from a vendor's, and every server logon relayed by the jump terminal joins one session.
 * The vendors' accounts are not registered: there are millions of them.
 */
export const BENCH_REGISTRY_YAML = `
vendors:
  - { id: vendor-bench, name: 負荷試験保守株式会社, frozen: false, sources: [203.0.0.0/8, 198.51.0.0/16] }
jump_hosts:    [ { name: JUMP01, ip: 10.20.0.5 } ]
gateways:      [ { name: RDGW01, ip: 10.20.0.6 } ]
internal_networks: [10.20.0.0/16]
vpn_pools:     [100.64.0.0/10, 10.98.0.0/16]
generic_accounts: [administrator, admin, guest, hoshu, maint, vendor]
`;

/** What the load process (./e2e-load.ts) is told to offer. */
export const LoadPlan = z.object({
  syslogPort: z.number().int().positive(),
  windowsUrl: z.string().url(),
  token: z.string().min(16),
  /** Offered events per second, markers aside. */
  rate: z.number().positive(),
  seconds: z.number().positive(),
  markerEveryMs: z.number().int().positive(),
  /** Vendors' accounts the sessions take turns with. */
  pool: z.number().int().positive(),
});
export type LoadPlan = z.infer<typeof LoadPlan>;

export interface SessionTraffic {
  syslog: string[];
  xml: string[];
  ndjson: string[];
}

/** Events one background session makes (4 syslog lines, 6 XML events, 1 NDJSON event). */
export const EVENTS_PER_SESSION = 11;

/**
 * What one turn of the load generator makes: sessions `from` up to `to`, of `due` by now. A generator short of
 * CPU (it shares the machine with the pipeline) falls behind. Making up all of it in one turn made the turns
 * longer the further behind it was, 5-20 s at 20,000 events/s: markers went out late, the socket was not
 * written, POSTs were not started, and the collectors looked stalled. So a turn makes at most a 20th of a
 * second's sessions, and sessions over a second late are skipped (`late` of them) and counted as not made.
 */
export function loadTurn(
  made: number,
  due: number,
  perSecond: number,
): { from: number; to: number; late: number } {
  const late = Math.max(0, due - made - perSecond);
  const from = made + late;
  return { from, to: Math.min(due, from + Math.ceil(perSecond / 20)), late };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const p2 = (n: number) => String(n).padStart(2, '0');

let snareRecord = 500_000;
let beatRecord = 900_000;

/** The jump terminal's 4624 as a Snare agent relays it over syslog: the host's local time, English labels. */
function snareLogon(ms: number, o: { user: string; logonId: string; from: string }): string {
  const t = tokyoFields(ms);
  const head = `${MONTHS[t.getUTCMonth()]} ${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
  const long = `${DAYS[t.getUTCDay()]} ${head} ${t.getUTCFullYear()}`;
  const record = snareRecord++;
  const message =
    'An account was successfully logged on.    Subject:   Security ID:  S-1-5-18   Account Name:  JUMP01$   Account Domain:  CITY   Logon ID:  0x3E7    ' +
    'Logon Information:   Logon Type:  10   Restricted Admin Mode: No   Virtual Account:  No   Elevated Token:  No    Impersonation Level:  Impersonation    ' +
    `New Logon:   Security ID:  S-1-5-21-1111-2222-3333-1201   Account Name:  ${o.user}   Account Domain:  CITY   Logon ID:  ${o.logonId}   Linked Logon ID:  0x0   ` +
    'Network Account Name: -   Network Account Domain: -   Logon GUID:  {00000000-0000-0000-0000-000000000000}    ' +
    'Process Information:   Process ID:  0x2c4   Process Name:  C:\\Windows\\System32\\svchost.exe    ' +
    `Network Information:   Workstation Name: VND-PC07   Source Network Address: ${o.from}   Source Port:  0    ` +
    'Detailed Authentication Information:   Logon Process:  User32    Authentication Package: Negotiate   Transited Services: -   Package Name (NTLM only): -   Key Length:  0';
  return [
    `<13>${head} JUMP01 MSWinEventLog`,
    '1',
    'Security',
    String(record),
    long,
    '4624',
    'Microsoft-Windows-Security-Auditing',
    'N/A',
    'N/A',
    'Success Audit',
    'JUMP01.city.local',
    'Logon',
    '',
    message,
    String(record),
  ].join('\t');
}

/** The jump terminal's logoff (4647) as Winlogbeat ships it. */
function beatLogoff(ms: number, o: { user: string; logonId: string }): string {
  const at = new Date(ms).toISOString();
  return JSON.stringify({
    '@timestamp': at,
    host: { name: 'JUMP01' },
    winlog: {
      channel: 'Security',
      provider_name: 'Microsoft-Windows-Security-Auditing',
      computer_name: 'JUMP01.city.local',
      event_id: '4647',
      record_id: beatRecord++,
      time_created: at,
      event_data: { TargetUserName: o.user, TargetDomainName: 'CITY', TargetLogonId: o.logonId },
    },
  });
}

const octets = (n: number) => `${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
/** Three octets: 15 million addresses before one comes round again. */
const octets3 = (n: number) => `${Math.floor(n / 62_500) % 250}.${octets(n)}`;

/**
 * Background session `n` of an account pool of `pool` vendors' accounts, its events `startMs` on, one to a
 * second. An account, its addresses and its logon ids come round again only after `pool` sessions: with a
 * pool large enough, only after the correlator has let the last session of that account go (seven minutes
 * after its end). Sooner, a session's late Windows events and the next one's router lines interleave, and
 * the correlator rightly stitches them into one session that grows for as long as the load runs.
 */
export function sessionTraffic(n: number, startMs: number, pool: number): SessionTraffic {
  const k = n % pool;
  const user = `vnd${k}`;
  const from = `203.${octets3(k)}`;
  const assigned = `100.${64 + (Math.floor(k / 62_500) % 64)}.${octets(k)}`;
  const server = `APP${p2(k % 20)}.city.local`;
  const jumpLogon = `0x${(0x1000000 + k).toString(16)}`;
  const serverLogon = `0x${(0x2000000 + k).toString(16)}`;
  const at = (s: number) => tokyoWallClock(startMs + s * 1000);
  const vpn = new Scenario().asaConnect(at(0), { user, from, assigned });
  const windows = new Scenario()
    .gateway(302, at(1), { user, client: assigned, resource: 'JUMP01.city.local' })
    .onward(at(3), 'JUMP01.city.local', {
      user,
      logonId: jumpLogon,
      server,
      serverIp: `10.20.1.${(k % 20) + 1}`,
    })
    .logon(at(4), server, { user, from: '10.20.0.5', logonId: serverLogon })
    .shareFile(at(5), server, { user, logonId: serverLogon, from: '10.20.0.5', path: `作業報告_${k}.xlsx` })
    .logoff(at(7), server, { user, logonId: serverLogon })
    .gateway(303, at(9), { user, client: assigned, resource: 'JUMP01.city.local' });
  const bye = new Scenario().asaDisconnect(at(10), { user, from });
  return {
    syslog: [
      ...vpn.lines.map((l) => l.text),
      snareLogon(startMs + 2000, { user, logonId: jumpLogon, from: assigned }),
      ...bye.lines.map((l) => l.text),
    ],
    xml: windows.lines.map((l) => l.text),
    ndjson: [beatLogoff(startMs + 8000, { user, logonId: jumpLogon })],
  };
}

export const MARKER_PREFIX = 'e2emark';
/** The account of marker `n`: one no approval names, so its VPN connection is out of window. */
export const markerAccount = (n: number) => `${MARKER_PREFIX}${n}`;

/** Marker `n` connecting at `ms` (two ASA lines), and its disconnect, sent a little later. */
export function markerTraffic(n: number, ms: number): { connect: string[]; disconnect: string[] } {
  const user = markerAccount(n);
  const from = `198.51.${octets(n)}`;
  const connect = new Scenario().asaConnect(tokyoWallClock(ms), {
    user,
    from,
    assigned: `10.98.${octets(n)}`,
  });
  const disconnect = new Scenario().asaDisconnect(tokyoWallClock(ms + 2000), { user, from });
  return { connect: connect.lines.map((l) => l.text), disconnect: disconnect.lines.map((l) => l.text) };
}
