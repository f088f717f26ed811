// Cisco ASA / AnyConnect (`%ASA-6-113039: …`). Sources: Cisco ASA Series Syslog Messages.
import type { SyslogMessage } from '../syslog.ts';
import { cleanIp, pruned, splitUser, toInt, type EventDraft } from '../draft.ts';

export const dataset = 'vpn.cisco_asa';

const CODE = /%(?:ASA|FTD)-(?:[a-z]+-)?(\d)-(\d{6}):\s*(.*)$/s;

export function recognises(msg: SyslogMessage): boolean {
  return CODE.test(msg.message);
}

// `Group <g> User <u> IP <ip>`, and the older form without brackets.
const GROUP_USER_IP = /Group (?:<([^>]*)>|(\S+)) User (?:<([^>]*)>|(\S+)) IP (?:<([^>]*)>|(\S+))/;
const DURATION = /(?:(\d+)d\s*)?(\d+)h:(\d+)m:(\d+)s/;

export function parse(msg: SyslogMessage): EventDraft | undefined {
  const m = CODE.exec(msg.message);
  if (!m) return undefined;
  const code = m[2] as string;
  const text = m[3] as string;
  const base = (
    action: EventDraft['event']['action'],
    outcome: EventDraft['event']['outcome'] = 'success',
  ): EventDraft => ({
    event: { action, outcome },
    observer: { vendor: 'Cisco', product: 'ASA', hostname: msg.hostname },
  });
  const gui = GROUP_USER_IP.exec(text);
  const who = gui
    ? { user: splitUser(gui[3] ?? gui[4]), source: pruned({ ip: cleanIp(gui[5] ?? gui[6]) }) }
    : {};

  switch (code) {
    // A session event that names nobody (a line cut short in transit) would open or close a session of no
    // one: it is refused and dead-lettered instead.
    case '113039': // AnyConnect parent session started
    case '716001': // WebVPN session started
    case '722022': // SVC connection established
      return gui ? { ...base('vpn_session_start'), ...who } : undefined;
    case '722051': {
      if (!gui) return undefined;
      // Address assigned to session: the VPN address the later RDP logons come from.
      const assigned =
        /IPv4 Address <([^>]*)>/.exec(text)?.[1] ?? /Address <([^>]*)> assigned/.exec(text)?.[1];
      return { ...base('vpn_session_start'), ...who, vpn: pruned({ assigned_ip: cleanIp(assigned) }) };
    }
    case '751025': {
      const v = /Remote:([^\s]+?):(\d+) Username:(\S+).*?IPv4 Address=(\S+)/.exec(text);
      if (!v) return undefined;
      return {
        ...base('vpn_session_start'),
        user: splitUser(v[3]),
        source: pruned({ ip: cleanIp(v[1]), port: toInt(v[2]) }),
        vpn: pruned({ assigned_ip: cleanIp(v[4]) }),
      };
    }
    case '716002': // WebVPN session terminated
    case '722023': // SVC connection terminated
      return gui ? { ...base('vpn_session_end'), ...who } : undefined;
    case '113019': {
      const d =
        /Group = ([^,]*), Username = ([^,]*), IP = ([^,]*),.*?Duration: ([^,]*), Bytes xmt: (\d+), Bytes rcv: (\d+)/.exec(
          text,
        );
      if (!d) return undefined;
      const dur = DURATION.exec(d[4] ?? '');
      return {
        ...base('vpn_session_end'),
        user: splitUser(d[2]),
        source: pruned({ ip: cleanIp(d[3]) }),
        // xmt is what the ASA sent the client; rcv what it received from the client (the upload).
        network: pruned({ bytes_out: toInt(d[5]), bytes_in: toInt(d[6]) }),
        session: dur
          ? {
              duration_s:
                Number(dur[1] ?? 0) * 86400 + Number(dur[2]) * 3600 + Number(dur[3]) * 60 + Number(dur[4]),
            }
          : undefined,
      };
    }
    case '113005':
    case '113015': {
      const user = /user = ([^:]+?)\s*(?::|$)/.exec(text)?.[1];
      const ip = /user IP = (\S+)/.exec(text)?.[1];
      return {
        ...base('vpn_auth_failure', 'failure'),
        user: splitUser(user),
        source: pruned({ ip: cleanIp(ip) }),
      };
    }
    case '113004': {
      const user = /user = ([^:]+?)\s*(?::|$)/.exec(text)?.[1];
      return { ...base('other'), user: splitUser(user) };
    }
    default:
      // Levels 0–4 (emergency … warning) report something that did not work, e.g. 113029–113038.
      return { ...base('other', Number(m[1]) <= 4 ? 'failure' : 'unknown'), ...who };
  }
}
