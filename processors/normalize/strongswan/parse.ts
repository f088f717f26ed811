// strongSwan charon (`06[IKE] <conn|12> …`): IKE SA established/deleted, virtual IP assignment, failures.
import type { SyslogMessage } from '../syslog.ts';
import { cleanIp, pruned, splitUser, toInt, type EventDraft } from '../draft.ts';

export const dataset = 'vpn.strongswan';

const CHARON = /^\d{2}\[[A-Z]{3}\] /;

export function recognises(msg: SyslogMessage): boolean {
  const app = msg.appName?.toLowerCase();
  return app === 'charon' || app === 'charon-systemd' || CHARON.test(msg.message);
}

export function parse(msg: SyslogMessage): EventDraft {
  const text = msg.message.replace(CHARON, '').replace(/^<[^>]*> /, '');
  const base = (
    action: EventDraft['event']['action'],
    outcome: EventDraft['event']['outcome'],
  ): EventDraft => ({
    event: { action, outcome },
    observer: { vendor: 'strongSwan', product: 'charon', hostname: msg.hostname },
  });
  const established = /IKE_SA \S+ established between ([^[\s]+)\[[^\]]*\]\.\.\.([^[\s]+)\[([^\]]*)\]/.exec(
    text,
  );
  if (established)
    return {
      ...base('vpn_session_start', 'success'),
      source: pruned({ ip: cleanIp(established[2]) }),
      user: identity(established[3]),
    };
  const assigned = /assigning virtual IP (\S+) to peer '([^']*)'/.exec(text);
  if (assigned)
    return {
      ...base('vpn_session_start', 'success'),
      vpn: pruned({ assigned_ip: cleanIp(assigned[1]) }),
      user: identity(assigned[2]),
    };
  const deleting = /deleting IKE_SA \S+ between ([^[\s]+)\[[^\]]*\]\.\.\.([^[\s]+)\[([^\]]*)\]/.exec(text);
  if (deleting)
    return {
      ...base('vpn_session_end', 'success'),
      source: pruned({ ip: cleanIp(deleting[2]) }),
      user: identity(deleting[3]),
    };
  const failedFor =
    /(?:XAuth authentication of|authentication of|EAP method \S+ failed for peer) '?([^'\s]+)'?/.exec(text);
  if (
    /authentication (?:of .* )?failed|verification failed|EAP method \S+ failed|MAC mismatched|AUTHENTICATION_FAILED/i.test(
      text,
    )
  )
    return { ...base('vpn_auth_failure', 'failure'), user: identity(failedFor?.[1]) };
  const received = /received packet: from ([^[\s]+)\[(\d+)\]/.exec(text);
  const eap = /username: '([^']*)'/.exec(text);
  return {
    ...base('other', 'unknown'),
    user: identity(eap?.[1]),
    source: received ? pruned({ ip: cleanIp(received[1]), port: toInt(received[2]) }) : undefined,
  };
}

/** A peer identity: a user name or e-mail, or the CN of a certificate's name; an address is not a user. */
function identity(id: string | undefined) {
  if (!id || cleanIp(id) || id === '%any') return undefined;
  if (id.includes('=')) return splitUser(/(?:^|[,/ ])CN=([^,/]+)/.exec(id)?.[1]);
  return splitUser(id);
}
