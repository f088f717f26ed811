// Palo Alto Networks GlobalProtect logs: the PAN-OS `GLOBALPROTECT` CSV record (PAN-OS 9.1+ field order).
import type { SyslogMessage } from '../syslog.ts';
import { localMatchToUtc } from '../time.ts';
import { cleanIp, pruned, splitUser, toInt, type EventDraft, type FamilyContext } from '../draft.ts';

export const dataset = 'vpn.paloalto';

export function recognises(msg: SyslogMessage): boolean {
  return /^[^,]*,[^,]*,[^,]*,GLOBALPROTECT,/.test(msg.message);
}

/** One CSV record; quoted fields may contain commas and doubled quotes. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

const F = {
  generated: 6,
  eventId: 8,
  stage: 9,
  user: 12,
  publicIp: 15,
  publicIpv6: 16,
  privateIp: 17,
  privateIpv6: 18,
  status: 28,
  loginDuration: 30,
};

export function parse(msg: SyslogMessage, ctx: FamilyContext): EventDraft {
  const f = csvFields(msg.message);
  const get = (i: number) => f[i]?.trim() || undefined;
  const eventId = get(F.eventId) ?? '';
  const failed = /fail/i.test(get(F.status) ?? '');
  let action: EventDraft['event']['action'] = 'other';
  if (eventId === 'gateway-connected' && !failed) action = 'vpn_session_start';
  else if (eventId === 'gateway-logout' || eventId === 'gateway-disconnected') action = 'vpn_session_end';
  else if ((eventId === 'gateway-auth' || eventId === 'portal-auth') && failed) action = 'vpn_auth_failure';
  return {
    '@timestamp': panTime(get(F.generated), ctx),
    event: { action, outcome: failed ? 'failure' : get(F.status) === 'success' ? 'success' : 'unknown' },
    observer: { vendor: 'Palo Alto Networks', product: 'GlobalProtect', hostname: msg.hostname },
    user: splitUser(get(F.user)),
    // Where the vendor came from is the public address; the private one is what the tunnel assigned.
    source: pruned({ ip: cleanIp(get(F.publicIp)) ?? cleanIp(get(F.publicIpv6)) }),
    vpn: pruned({ assigned_ip: cleanIp(get(F.privateIp)) ?? cleanIp(get(F.privateIpv6)) }),
    session: action === 'vpn_session_end' ? pruned({ duration_s: toInt(get(F.loginDuration)) }) : undefined,
  };
}

function panTime(value: string | undefined, ctx: FamilyContext): string | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value ?? '');
  return m ? localMatchToUtc(m, ctx.timezone) : undefined;
}
