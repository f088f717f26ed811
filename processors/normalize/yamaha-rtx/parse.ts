// Yamaha RTX routers (L2TP/IPsec remote access, common in Japanese municipalities). The user appears only on
// the `Call detected` line and the peer only on the L2TP tunnel line, so the parser remembers, per router,
// what each tunnel and PP interface said until the session's start and end can carry user, peer and the
// assigned address together.
import type { SyslogMessage } from '../syslog.ts';
import { cleanIp, pruned, splitUser, type EventDraft, type FamilyContext } from '../draft.ts';

export const dataset = 'vpn.yamaha_rtx';

const RTX_LINE =
  /^(?:\[(?:L2TP|IKE|IPSEC|PPTP|IKEv2)\]|PP\[[^\]]+\]|IP Tunnel\[\d+\]|PPPOE\[\d+\]|LAN[A-Z]?\d+:|'[^']*' succeeded for|Login succeeded for|Logout from|Logined user|Restart by|Tunnel\[\d+\])/;

export function recognises(msg: SyslogMessage): boolean {
  return RTX_LINE.test(msg.message);
}

interface PpState {
  user?: string;
  peer?: string;
  assigned?: string;
}

export function parse(msg: SyslogMessage, ctx: FamilyContext): EventDraft {
  const text = msg.message;
  const observer = { vendor: 'Yamaha', product: 'RTX', hostname: msg.hostname };
  const draft = (
    action: EventDraft['event']['action'],
    outcome: EventDraft['event']['outcome'],
    pp?: PpState,
  ): EventDraft => ({
    event: { action, outcome },
    observer,
    user: splitUser(pp?.user),
    source: pruned({ ip: cleanIp(pp?.peer) }),
    vpn: pruned({ assigned_ip: cleanIp(pp?.assigned) }),
  });

  const tunnel = /^\[L2TP\] TUNNEL\[(\d+)\] connected from (\S+)/.exec(text);
  if (tunnel) {
    // The next PP interface to answer a call belongs to the tunnel that just came up.
    ctx.memory.set('rtx:lastPeer', tunnel[2]);
    ctx.memory.set(`rtx:tunnel:${tunnel[1]}`, tunnel[2]);
    return { ...draft('other', 'success'), source: pruned({ ip: cleanIp(tunnel[2]) }) };
  }

  const pp = /^PP\[([^\]]+)\]\s+(.*)$/.exec(text);
  if (pp) {
    const key = `rtx:pp:${pp[1]}`;
    const state = (ctx.memory.get(key) as PpState | undefined) ?? {};
    const rest = pp[2] as string;
    const call = /^Call detected from user '([^']*)'/.exec(rest);
    if (call) {
      const fresh: PpState = { user: call[1], peer: ctx.memory.get('rtx:lastPeer') as string | undefined };
      ctx.memory.set(key, fresh);
      return draft('other', 'success', fresh);
    }
    const up = /^PPP\/IPCP up\s+\(Local: ([^,]+), Remote: ([^)]+)\)/.exec(rest);
    if (up) {
      state.assigned = up[2]?.trim();
      ctx.memory.set(key, state);
      return draft('vpn_session_start', 'success', state);
    }
    if (/^(PPP\/IPCP down|Disconnected|Call disconnected|disconnected)/i.test(rest)) {
      ctx.memory.delete(key);
      return draft('vpn_session_end', 'success', state);
    }
    if (
      /authenticat\w* fail|Failed to authenticate|Rejected at (PAP|CHAP)|PAP.*fail|CHAP.*fail/i.test(rest)
    ) {
      const user = /user '([^']*)'/.exec(rest)?.[1] ?? state.user;
      return draft('vpn_auth_failure', 'failure', { ...state, user });
    }
    return draft('other', 'unknown', state);
  }
  const login = /^'([^']*)' succeeded for/.exec(text);
  if (login) return { ...draft('other', 'success'), user: splitUser(login[1]) };
  return draft('other', 'unknown');
}
