// Maintenance scenarios written the way the devices write them: Cisco ASA and Yamaha RTX syslog lines,
// RD Gateway and Windows Security / TerminalServices event XML (the shapes of the corpus samples in
// ../shared/corpus and of processors/normalize/*/test). Tests read them through the real normaliser, or
// send them through Kafka, so a scenario exercises the whole path from raw line to finding; `rmwatch demo`
// sends them to the collectors as the devices would.
//
// Times are written in Japan time ("2026-11-24 09:00"), as the city reads them; syslog lines carry them as
// the devices do (local time, no zone), Windows events in UTC.
import type { RawFormat } from '../../model/raw.ts';
import { fromTokyoWallClock, tokyoFields, tokyoWallClock } from '../../model/tokyo-time.ts';

export interface RawLine {
  format: RawFormat;
  /** The observer: syslog lines come from a router, events from the host that logged them. */
  device: string;
  text: string;
  /** When the device logged it (epoch ms): a day is played in this order. */
  at?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant `minutes` after a Japan-time instant, again in Japan time. */
export function plus(local: string, minutes: number): string {
  return tokyoWallClock(fromTokyoWallClock(local) + Math.round(minutes * 60_000));
}

function syslogStamp(local: string): string {
  const t = tokyoFields(fromTokyoWallClock(local));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[t.getUTCMonth()]} ${p(t.getUTCDate())} ${t.getUTCFullYear()} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
}

function rtxStamp(local: string): string {
  // RTX writes no year (RFC 3164); tests pass the year to the reader.
  return syslogStamp(local).replace(/ \d{4} /, ' ');
}

const utc = (local: string) =>
  new Date(fromTokyoWallClock(local)).toISOString().replace('.000Z', '.0000000Z');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Shared by default, so that the scenarios of one test never give two events the same record id (the
// event id is a hash of computer, channel and record id).
let sharedRecordId = 1000;
const nextSharedRecordId = () => sharedRecordId++;

function windowsEvent(
  recordId: number,
  provider: string,
  channel: string,
  id: number,
  at: string,
  computer: string,
  body: string,
): string {
  return (
    `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="${provider}"/>` +
    `<EventID>${id}</EventID><Version>2</Version><Level>0</Level><TimeCreated SystemTime="${utc(at)}"/>` +
    `<EventRecordID>${recordId}</EventRecordID><Channel>${channel}</Channel><Computer>${computer}</Computer>` +
    `<Security/></System>${body}</Event>`
  );
}
const data = (fields: Record<string, string | number>) =>
  `<EventData>${Object.entries(fields)
    .map(([k, v]) => `<Data Name="${k}">${esc(String(v))}</Data>`)
    .join('')}</EventData>`;
const security = (
  recordId: number,
  id: number,
  at: string,
  host: string,
  fields: Record<string, string | number>,
): RawLine => ({
  format: 'evtxml',
  device: host,
  text: windowsEvent(recordId, 'Microsoft-Windows-Security-Auditing', 'Security', id, at, host, data(fields)),
});

export class Scenario {
  readonly lines: RawLine[] = [];
  private readonly nextRecordId: () => number;

  /**
   * `firstRecordId` numbers this scenario's Windows events on their own, so that building it again gives
   * the same events (the demo replays the same day); by default the numbers continue across scenarios.
   */
  constructor(firstRecordId?: number) {
    let own = firstRecordId ?? 0;
    this.nextRecordId = firstRecordId === undefined ? nextSharedRecordId : () => own++;
  }

  private push(line: RawLine, at: string): this {
    this.lines.push({ ...line, at: fromTokyoWallClock(at) });
    return this;
  }

  // --- VPN: Cisco ASA (AnyConnect) -------------------------------------------------------------------
  asaConnect(at: string, o: { user: string; from: string; assigned: string }): this {
    const s = syslogStamp(at);
    this.push(
      {
        format: 'syslog',
        device: 'asa01',
        text: `<166>${s} asa01 : %ASA-6-113039: Group <GP_MAINT> User <${o.user}> IP <${o.from}> AnyConnect parent session started.`,
      },
      at,
    );
    return this.push(
      {
        format: 'syslog',
        device: 'asa01',
        text: `<166>${s} asa01 : %ASA-5-722051: Group <GP_MAINT> User <${o.user}> IP <${o.from}> IPv4 Address <${o.assigned}> IPv6 address <::> assigned to session`,
      },
      at,
    );
  }

  asaDisconnect(at: string, o: { user: string; from: string; uploaded?: number; downloaded?: number }): this {
    return this.push(
      {
        format: 'syslog',
        device: 'asa01',
        text: `<166>${syslogStamp(at)} asa01 : %ASA-4-113019: Group = GP_MAINT, Username = ${o.user}, IP = ${o.from}, Session disconnected. Session Type: SSL, Duration: 0h:30m:00s, Bytes xmt: ${o.downloaded ?? 1000}, Bytes rcv: ${o.uploaded ?? 1000}, Reason: User Requested`,
      },
      at,
    );
  }

  asaLoginFailure(at: string, o: { user: string; from: string }): this {
    return this.push(
      {
        format: 'syslog',
        device: 'asa01',
        text: `<166>${syslogStamp(at)} asa01 : %ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : user = ${o.user} : user IP = ${o.from}`,
      },
      at,
    );
  }

  // --- VPN: Yamaha RTX (L2TP/IPsec remote access) ----------------------------------------------------
  rtxConnect(
    at: string,
    o: { user: string; from: string; assigned: string; pp?: string; tunnel?: number },
  ): this {
    const s = rtxStamp(at);
    const pp = o.pp ?? 'ANONYMOUS02';
    this.push(
      {
        format: 'syslog',
        device: '192.168.100.1',
        text: `<30>${s} 192.168.100.1 [L2TP] TUNNEL[${o.tunnel ?? 2}] connected from ${o.from}`,
      },
      at,
    );
    this.push(
      {
        format: 'syslog',
        device: '192.168.100.1',
        text: `<30>${s} 192.168.100.1 PP[${pp}] Call detected from user '${o.user}'`,
      },
      at,
    );
    return this.push(
      {
        format: 'syslog',
        device: '192.168.100.1',
        text: `<30>${s} 192.168.100.1 PP[${pp}] PPP/IPCP up  (Local: 192.168.100.1, Remote: ${o.assigned})`,
      },
      at,
    );
  }

  rtxDisconnect(at: string, o: { pp?: string; tunnel?: number }): this {
    const s = rtxStamp(at);
    this.push(
      {
        format: 'syslog',
        device: '192.168.100.1',
        text: `<30>${s} 192.168.100.1 PP[${o.pp ?? 'ANONYMOUS02'}] PPP/IPCP down`,
      },
      at,
    );
    return this.push(
      {
        format: 'syslog',
        device: '192.168.100.1',
        text: `<30>${s} 192.168.100.1 [L2TP] TUNNEL[${o.tunnel ?? 2}] disconnect tunnel 40213 complete`,
      },
      at,
    );
  }

  // --- RD Gateway ------------------------------------------------------------------------------------
  gateway(
    id: 300 | 302 | 303,
    at: string,
    o: {
      user: string;
      client: string;
      resource: string;
      uploaded?: number;
      downloaded?: number;
      gateway?: string;
    },
  ): this {
    const extra =
      id === 303
        ? `<BytesReceived>${o.uploaded ?? 5000}</BytesReceived><BytesTransfered>${o.downloaded ?? 90000}</BytesTransfered><SessionDuration>1800</SessionDuration>`
        : '';
    const host = o.gateway ?? 'RDGW01.city.local';
    return this.push(
      {
        format: 'evtxml',
        device: host,
        text: windowsEvent(
          this.nextRecordId(),
          'Microsoft-Windows-TerminalServices-Gateway',
          'Microsoft-Windows-TerminalServices-Gateway/Operational',
          id,
          at,
          host,
          `<UserData><EventInfo xmlns="aag"><Username>CITY\\${o.user}</Username><IpAddress>${o.client}</IpAddress><AuthType>NTLM</AuthType><Resource>${o.resource}</Resource><ConnectionProtocol>HTTP</ConnectionProtocol><ErrorCode>0</ErrorCode>${extra}</EventInfo></UserData>`,
        ),
      },
      at,
    );
  }

  // --- Windows hosts -------------------------------------------------------------------------------
  logon(at: string, host: string, o: { user: string; from: string; logonId: string; type?: number }): this {
    return this.push(
      security(this.nextRecordId(), 4624, at, host, {
        SubjectUserSid: 'S-1-5-18',
        SubjectUserName: `${host.split('.')[0]}$`,
        SubjectDomainName: 'CITY',
        SubjectLogonId: '0x3e7',
        TargetUserName: o.user,
        TargetDomainName: 'CITY',
        TargetLogonId: o.logonId,
        LogonType: o.type ?? 10,
        IpAddress: o.from,
        IpPort: 51022,
      }),
      at,
    );
  }

  logonFailure(at: string, host: string, o: { user: string; from: string }): this {
    return this.push(
      security(this.nextRecordId(), 4625, at, host, {
        TargetUserName: o.user,
        TargetDomainName: 'CITY',
        LogonType: 10,
        IpAddress: o.from,
        IpPort: 51022,
        Status: '0xc000006d',
      }),
      at,
    );
  }

  logoff(at: string, host: string, o: { user: string; logonId: string }): this {
    return this.push(
      security(this.nextRecordId(), 4647, at, host, {
        TargetUserName: o.user,
        TargetDomainName: 'CITY',
        TargetLogonId: o.logonId,
      }),
      at,
    );
  }

  /** 4648 on the jump terminal: the operator went on to `server` with explicit credentials. */
  onward(
    at: string,
    jump: string,
    o: { user: string; logonId: string; server: string; serverIp: string; as?: string },
  ): this {
    return this.push(
      security(this.nextRecordId(), 4648, at, jump, {
        SubjectUserName: o.user,
        SubjectDomainName: 'CITY',
        SubjectLogonId: o.logonId,
        TargetUserName: o.as ?? o.user,
        TargetDomainName: 'CITY',
        TargetServerName: o.server,
        IpAddress: o.serverIp,
        IpPort: 3389,
      }),
      at,
    );
  }

  shareFile(
    at: string,
    host: string,
    o: { user: string; logonId: string; from: string; path: string },
  ): this {
    return this.push(
      security(this.nextRecordId(), 5145, at, host, {
        SubjectUserName: o.user,
        SubjectDomainName: 'CITY',
        SubjectLogonId: o.logonId,
        ShareName: '\\\\*\\C$',
        RelativeTargetName: o.path,
        IpAddress: o.from,
        IpPort: 49812,
        AccessMask: '0x1',
      }),
      at,
    );
  }

  /** 4663 on a server: a file on the client's own drive (`\\tsclient\C`) opened over drive redirection. */
  redirectedFile(at: string, host: string, o: { user: string; logonId: string; path: string }): this {
    return this.push(
      security(this.nextRecordId(), 4663, at, host, {
        SubjectUserName: o.user,
        SubjectDomainName: 'CITY',
        SubjectLogonId: o.logonId,
        ObjectServer: 'Security',
        ObjectType: 'File',
        ObjectName: `\\Device\\Mup\\tsclient\\${o.path}`,
        AccessMask: '0x2',
        ProcessName: 'C:\\Windows\\explorer.exe',
      }),
      at,
    );
  }

  disconnect(at: string, host: string, o: { user: string; logonId: string; from: string }): this {
    return this.push(
      security(this.nextRecordId(), 4779, at, host, {
        AccountName: o.user,
        AccountDomain: 'CITY',
        LogonID: o.logonId,
        SessionName: 'RDP-Tcp#3',
        ClientName: 'MAINT-PC01',
        ClientAddress: o.from,
      }),
      at,
    );
  }

  /** RemoteConnectionManager 1149: a user authenticated for Remote Desktop. */
  rdpAuth(at: string, host: string, o: { user: string; from: string }): this {
    return this.push(
      {
        format: 'evtxml',
        device: host,
        text: windowsEvent(
          this.nextRecordId(),
          'Microsoft-Windows-TerminalServices-RemoteConnectionManager',
          'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational',
          1149,
          at,
          host,
          `<UserData><EventXML xmlns="Event_NS"><Param1>${o.user}</Param1><Param2>CITY</Param2><Param3>${o.from}</Param3></EventXML></UserData>`,
        ),
      },
      at,
    );
  }
}
