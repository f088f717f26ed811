// FortiGate event logs (`date=… time=… logid="0101039947" type="event" subtype="vpn" …`): SSL-VPN and IPsec.
import type { SyslogMessage } from '../syslog.ts';
import { localMatchToUtc, toIso, utcOffsetMs, wallClockOf, zonedToEpoch } from '../time.ts';
import { cleanIp, pruned, splitUser, toInt, type EventDraft, type FamilyContext } from '../draft.ts';

export const dataset = 'vpn.fortigate';

export function recognises(msg: SyslogMessage): boolean {
  return /(?:^|\s)logid="?\d{10}"?/.test(msg.message) && /(?:^|\s)(?:devid|devname|type)=/.test(msg.message);
}

/** `key=value` and `key="value with spaces"` pairs. */
export function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pair = /([A-Za-z_][\w.-]*)=("((?:[^"\\]|\\.)*)"|[^\s]*)/g;
  let m: RegExpExecArray | null;
  while ((m = pair.exec(text)) !== null)
    out[m[1] as string] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[2] as string);
  return out;
}

const START = new Set(['39424', '39947']);
const END = new Set(['39425', '39948']);

export function parse(msg: SyslogMessage, ctx: FamilyContext): EventDraft {
  const kv = keyValues(msg.message);
  const logid = (kv.logid ?? '').slice(-5);
  const action = (kv.action ?? '').toLowerCase();
  let eventAction: EventDraft['event']['action'] = 'other';
  let outcome: EventDraft['event']['outcome'] = 'unknown';
  if (START.has(logid) || action === 'tunnel-up') [eventAction, outcome] = ['vpn_session_start', 'success'];
  else if (END.has(logid) || action === 'tunnel-down')
    [eventAction, outcome] = ['vpn_session_end', 'success'];
  else if (logid === '39426' || action === 'ssl-login-fail')
    [eventAction, outcome] = ['vpn_auth_failure', 'failure'];
  else if (/fail/i.test(kv.status ?? '')) outcome = 'failure';

  const user = splitUser(kv.user) ?? splitUser(kv.xauthuser);
  return {
    '@timestamp': deviceTime(kv, ctx),
    event: { action: eventAction, outcome },
    observer: { vendor: 'Fortinet', product: 'FortiGate', hostname: kv.devname ?? msg.hostname },
    user,
    source: pruned({ ip: cleanIp(kv.remip), port: toInt(kv.remport) }),
    vpn: pruned({ assigned_ip: cleanIp(kv.tunnelip) ?? cleanIp(kv.assignip) }),
    // sentbyte: FortiGate → client; rcvdbyte: client → FortiGate (the upload).
    network: pruned({ bytes_out: toInt(kv.sentbyte), bytes_in: toInt(kv.rcvdbyte) }),
    session: pruned({ duration_s: toInt(kv.duration) }),
  };
}

/** The device's own date/time, in its `tz` when it states one, else the source's zone. */
function deviceTime(kv: Record<string, string>, ctx: FamilyContext): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(`${kv.date ?? ''} ${kv.time ?? ''}`);
  if (!m) return undefined;
  const offset = utcOffsetMs(kv.tz ?? '');
  if (offset !== undefined) return toIso(zonedToEpoch(wallClockOf(m), 'UTC') - offset);
  return localMatchToUtc(m, ctx.timezone);
}
