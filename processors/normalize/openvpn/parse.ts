// OpenVPN server logs (syslog `openvpn[pid]:` or the log file): client connect, address assignment,
// disconnect, and authentication failures.
import type { SyslogMessage } from '../syslog.ts';
import { cleanIp, pruned, splitUser, toInt, type EventDraft } from '../draft.ts';

export const dataset = 'vpn.openvpn';

// `user/1.2.3.4:1194 …`, `1.2.3.4:1194/user …` or `1.2.3.4:1194 …` at the start of a client line.
const CLIENT = /^(?:([^\s/]+)\/)?(\[?[0-9a-fA-F:.]+\]?):(\d+)(?:\/(\S+))? /;

export function recognises(msg: SyslogMessage): boolean {
  if (msg.appName?.toLowerCase() === 'openvpn') return true;
  return (
    CLIENT.test(msg.message) ||
    /^OpenVPN \d|MULTI(?:_sva)?:|Initialization Sequence Completed|TLS (?:Auth )?Error|^(?:Incoming|Outgoing) Control Channel/.test(
      msg.message,
    )
  );
}

export function parse(msg: SyslogMessage): EventDraft {
  const text = msg.message;
  const client = CLIENT.exec(text);
  const rest = client ? text.slice(client[0].length) : text;
  let user = client?.[1] ?? client?.[4];
  const bracketUser = /^\[([^\]]+)\] Peer Connection Initiated/.exec(rest)?.[1];
  if (bracketUser && bracketUser !== 'UNDEF') user = bracketUser;
  const base = (
    action: EventDraft['event']['action'],
    outcome: EventDraft['event']['outcome'],
  ): EventDraft => ({
    event: { action, outcome },
    observer: { vendor: 'OpenVPN', product: 'OpenVPN', hostname: msg.hostname },
    user: splitUser(user),
    source: pruned({ ip: cleanIp(client?.[2]), port: toInt(client?.[3]) }),
  });

  const pool = /MULTI_sva: pool returned IPv4=([0-9.]+)/.exec(rest);
  if (pool)
    return { ...base('vpn_session_start', 'success'), vpn: pruned({ assigned_ip: cleanIp(pool[1]) }) };
  if (/Peer Connection Initiated/.test(rest)) return base('vpn_session_start', 'success');
  if (
    /client-instance exiting|SIGTERM\[soft,remote-exit\]|Inactivity timeout|connection-reset|client-instance restarting/.test(
      rest,
    )
  )
    return base('vpn_session_end', 'success');
  if (
    /AUTH_FAILED|TLS Auth Error|verification failed|authentication failed|LDAP bind failed|Incorrect password|TLS handshake failed|VERIFY ERROR|certificate verify failed|tls-crypt unwrapping failed/i.test(
      rest,
    )
  )
    return base('vpn_auth_failure', 'failure');
  return base('other', 'unknown');
}
