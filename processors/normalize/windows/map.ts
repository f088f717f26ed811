// Windows Security, TerminalServices and RD Gateway events → canonical events.
import type { EventDraft } from '../draft.ts';
import { cleanIp, pruned, splitUser, toInt } from '../draft.ts';
import type { WindowsEvent } from './event.ts';

export const RD_GATEWAY_CHANNEL = 'Microsoft-Windows-TerminalServices-Gateway/Operational';

export interface MappedEvent {
  dataset: string;
  draft: EventDraft;
}

type Action = EventDraft['event']['action'];
type Outcome = EventDraft['event']['outcome'];

/** A 4624 of logon type 7 this soon after a 4778 by the same account on the same host is the reconnect's logon. */
const RECONNECT_WINDOW_MS = 60_000;

export function mapWindowsEvent(e: WindowsEvent, memory: Map<string, unknown>): MappedEvent | undefined {
  const d = e.data;
  const host = { name: e.computer || undefined };
  const draft = (action: Action, outcome: Outcome, extra: Partial<EventDraft> = {}): EventDraft => ({
    '@timestamp': e.timeCreated,
    event: { action, outcome },
    observer: { vendor: 'Microsoft', product: 'Windows', hostname: e.computer || undefined },
    host,
    ...extra,
  });
  const channel = e.channel.toLowerCase();
  const provider = e.provider.toLowerCase();

  if (e.channel === RD_GATEWAY_CHANNEL || provider === 'microsoft-windows-terminalservices-gateway')
    return { dataset: 'rdgateway', draft: rdGateway(e, draft) };

  if (channel === 'security' || provider === 'microsoft-windows-security-auditing') {
    const target = splitUser(joinUser(d.TargetDomainName, d.TargetUserName));
    const subject = splitUser(joinUser(d.SubjectDomainName, d.SubjectUserName));
    const source = pruned({ ip: cleanIp(d.IpAddress), port: toInt(d.IpPort) });
    const logon = (id: string | undefined) =>
      pruned({ logon: pruned({ id: logonId(id), type: toInt(d.LogonType) }) });
    switch (e.eventId) {
      case 4624: {
        const type = toInt(d.LogonType);
        let action: Action = type === 10 ? 'rdp_logon' : 'logon';
        if (type === 7) {
          const at = memory.get(`win:4778:${e.computer}:${target?.name?.toLowerCase()}`) as
            number | undefined;
          if (at !== undefined && Date.parse(e.timeCreated) - at <= RECONNECT_WINDOW_MS)
            action = 'rdp_reconnect';
        }
        return {
          dataset: 'windows.security',
          draft: draft(action, 'success', { user: target, source, winlog: logon(d.TargetLogonId) }),
        };
      }
      case 4825: // denied Remote Desktop access: the account is not allowed to log on remotely
        return {
          dataset: 'windows.security',
          draft: draft('logon_failure', 'failure', {
            user: splitUser(joinUser(d.AccountDomain, d.AccountName)),
            source: pruned({ ip: cleanIp(d.ClientAddress) }),
            winlog: logon(d.LogonID),
          }),
        };
      case 4625:
        return {
          dataset: 'windows.security',
          draft: draft('logon_failure', 'failure', {
            user: target ?? subject,
            source,
            winlog: logon(undefined),
          }),
        };
      case 4634:
      case 4647: {
        const action: Action = e.eventId === 4647 || toInt(d.LogonType) === 10 ? 'rdp_logoff' : 'other';
        return {
          dataset: 'windows.security',
          draft: draft(action, 'success', { user: target, winlog: logon(d.TargetLogonId) }),
        };
      }
      case 4648:
        // Credentials used from this host for another: the onward logon from the jump terminal.
        return {
          dataset: 'windows.security',
          draft: draft('explicit_credentials', 'success', {
            user: target,
            destination: pruned({
              ip: cleanIp(d.IpAddress),
              port: toInt(d.IpPort),
              domain: nonEmpty(d.TargetServerName),
            }),
            winlog: logon(d.SubjectLogonId),
          }),
        };
      case 4778:
      case 4779: {
        const user = splitUser(joinUser(d.AccountDomain, d.AccountName));
        if (e.eventId === 4778)
          memory.set(`win:4778:${e.computer}:${user?.name?.toLowerCase()}`, Date.parse(e.timeCreated));
        return {
          dataset: 'windows.security',
          draft: draft(e.eventId === 4778 ? 'rdp_reconnect' : 'rdp_disconnect', 'success', {
            user,
            source: pruned({ ip: cleanIp(d.ClientAddress) }),
            winlog: logon(d.LogonID),
          }),
        };
      }
      case 5140:
      case 5145:
        return {
          dataset: 'windows.security',
          draft: draft(e.eventId === 5140 ? 'share_access' : 'share_file_access', outcomeOfAudit(e), {
            user: subject,
            source,
            share: pruned({ name: nonEmpty(d.ShareName) }),
            file: pruned({ path: nonEmpty(d.RelativeTargetName) }),
            winlog: logon(d.SubjectLogonId),
          }),
        };
      case 4663: {
        const path = nonEmpty(d.ObjectName);
        // The client's drives, seen from the server, live under \Device\Mup\tsclient\: drive redirection.
        const redirected = path !== undefined && /^\\device\\mup\\tsclient\\/i.test(path);
        return {
          dataset: 'windows.security',
          draft: draft(redirected ? 'device_redirection' : 'file_access', 'success', {
            user: subject,
            file: pruned({ path }),
            winlog: logon(d.SubjectLogonId),
          }),
        };
      }
      default:
        return {
          dataset: 'windows.security',
          draft: draft('other', 'unknown', { user: target ?? subject, source }),
        };
    }
  }

  if (
    provider.includes('terminalservices') ||
    channel.includes('terminalservices') ||
    provider.includes('remotedesktopservices')
  ) {
    if (provider.includes('remoteconnectionmanager') || channel.includes('remoteconnectionmanager')) {
      if (e.eventId === 1149)
        return {
          dataset: 'windows.terminalservices',
          draft: draft('rdp_auth_success', 'success', {
            user: splitUser(joinUser(d.Param2, d.Param1)),
            source: pruned({ ip: cleanIp(d.Param3) }),
          }),
        };
    }
    if (provider.includes('localsessionmanager') || channel.includes('localsessionmanager')) {
      const lsm: Record<number, Action> = {
        21: 'rdp_logon',
        23: 'rdp_logoff',
        24: 'rdp_disconnect',
        25: 'rdp_reconnect',
      };
      return {
        dataset: 'windows.terminalservices',
        draft: draft(lsm[e.eventId] ?? 'other', 'success', {
          user: splitUser(d.User),
          source: pruned({ ip: cleanIp(d.Address) }),
        }),
      };
    }
    const client = d.ClientIP ?? d.ClientAddress ?? d.Address;
    return {
      dataset: 'windows.terminalservices',
      draft: draft('other', 'unknown', { source: pruned({ ip: cleanIp(client) }) }),
    };
  }
  return undefined;
}

function rdGateway(
  e: WindowsEvent,
  draft: (a: Action, o: Outcome, extra?: Partial<EventDraft>) => EventDraft,
): EventDraft {
  const d = e.data;
  const resource = nonEmpty(d.Resource);
  const common = {
    user: splitUser(d.Username),
    // The client address the gateway saw: the VPN-assigned address when the vendor came over the VPN.
    source: pruned({ ip: cleanIp(d.IpAddress) }),
    destination: pruned({ ip: cleanIp(resource), domain: cleanIp(resource) ? undefined : resource }),
  };
  const failed = (d.ErrorCode ?? '0') !== '0';
  switch (e.eventId) {
    case 200:
    case 300:
      return draft('gateway_authorized', 'success', common);
    case 201:
    case 301:
    case 304:
      return draft('gateway_denied', 'failure', common);
    case 302:
      return draft('gateway_connect', 'success', common);
    case 202:
    case 303:
    case 307:
    case 309:
      return draft('gateway_disconnect', e.eventId === 303 || !failed ? 'success' : 'failure', {
        ...common,
        // BytesReceived: the gateway received them from the client (the upload); BytesTransfered: sent to it.
        network: pruned({ bytes_in: toInt(d.BytesReceived), bytes_out: toInt(d.BytesTransfered) }),
        session: pruned({ duration_s: toInt(d.SessionDuration) }),
      });
    default:
      return draft('other', failed ? 'failure' : 'unknown', common);
  }
}

function joinUser(domain: string | undefined, name: string | undefined): string | undefined {
  const n = nonEmpty(name);
  if (!n) return undefined;
  const dom = nonEmpty(domain);
  return dom ? `${dom}\\${n}` : n;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t && t !== '-' ? t : undefined;
}

/** `0x00000000000003e7` (evtx renderings) and `0x3e7` (Windows) are the same logon. */
function logonId(v: string | undefined): string | undefined {
  const t = nonEmpty(v);
  if (!t) return undefined;
  const hex = /^0x0*([0-9a-f]+)$/i.exec(t);
  return hex ? `0x${hex[1]?.toLowerCase()}` : t;
}

function outcomeOfAudit(e: WindowsEvent): Outcome {
  return e.auditFailure === true || /fail/i.test(e.data.AccessReason ?? '') ? 'failure' : 'success';
}
