// Stitches canonical events into maintenance sessions, by the identities each layer shares with the next:
// the VPN user and the address the VPN assigned; the client address the gateway and the jump terminal
// see; the jump terminal's logon id, which its onward connections carry; the jump terminal's address on the
// target servers. Event time drives everything (a watermark trailing the newest event by the lateness
// window), so the same events give the same sessions whatever order they arrive in.
import type { CanonicalEvent } from '../../model/event.ts';
import { sessionId } from '../../model/ids.ts';
import type { Session, TimelineEntry } from '../../model/session.ts';
import { hostKey, type RegistryView } from '../correlate/registry-view.ts';
import type { CorrelateSettings } from '../correlate/settings.ts';
import { deriveSession } from './derive.ts';
import { roleOf } from './roles.ts';
import { observe, type Observation } from './observe.ts';
import { insertEntry, type SessionState } from './state.ts';

export type ApplyResult =
  | { kind: 'stitched'; session: string; touched: string[]; late: boolean }
  | { kind: 'duplicate'; session: string }
  | { kind: 'ignored'; reason: 'not_remote_access' | 'unlinked' };

interface Tier {
  ids: ReadonlySet<string>;
  /** A shared address or logon id is proof enough to merge sessions; a shared account is not. */
  hard: boolean;
  /**
   * Of `ids`, those with a reason of their own to take the observation (see `pick`): those that went on to
   * its server from the jump terminal, and those of its account. With every session of a busy jump terminal
   * in `ids`, weighing these first keeps a server logon from looking at them all.
   */
  likely?: { onward: ReadonlySet<string>; account: ReadonlySet<string> };
}

const NONE: ReadonlySet<string> = new Set();

export class Stitcher {
  readonly sessions = new Map<string, SessionState>();
  private readonly keys = new Map<string, Set<string>>();
  private readonly keysOf = new Map<string, string[]>();
  private readonly owner = new Map<string, string>();
  private maxEventMs = Number.NEGATIVE_INFINITY;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  private readonly latenessMs: number;
  private readonly inactivityMs: number;
  private readonly connectedMs: number;
  private readonly graceMs: number;
  private readonly skewMs: number;

  constructor(
    private readonly registry: RegistryView,
    private readonly settings: CorrelateSettings,
    private readonly now: () => string,
  ) {
    this.latenessMs = settings.latenessSeconds * 1000;
    this.inactivityMs = settings.inactivityMinutes * 60_000;
    this.connectedMs = settings.connectedTimeoutHours * 3600_000;
    this.graceMs = settings.closingGraceSeconds * 1000;
    this.skewMs = settings.clockSkewSeconds * 1000;
  }

  /** Event time minus the lateness window: events older than this are late. */
  get watermark(): number {
    return this.maxEventMs - this.latenessMs;
  }

  get newestEvent(): number {
    return this.maxEventMs;
  }

  apply(event: CanonicalEvent, shard?: number): ApplyResult {
    const o = observe(event, this.registry);
    if (!o) return { kind: 'ignored', reason: 'not_remote_access' };
    const seenIn = this.owner.get(o.entry.id);
    if (seenIn) return { kind: 'duplicate', session: seenIn };
    const at = Date.parse(o.entry.at);
    const late = at < this.watermark;
    if (late) o.entry.late = true;

    const touched: string[] = [];
    const found = this.find(o, at, touched);
    if (!found && o.joinOnly) return { kind: 'ignored', reason: 'unlinked' };
    const target = found ? this.add(found, o.entry) : this.create(o, shard);
    touched.push(target.id);
    if (at > this.maxEventMs) this.maxEventMs = at;
    return { kind: 'stitched', session: target.id, touched, late };
  }

  /**
   * Moves event time on (to the newest event, or further when the stage has heard nothing for a while):
   * closes sessions silent for the inactivity timeout and forgets closed ones no late event can reach.
   * Returns the sessions whose records changed, and the open ones (whose time-based rules may now fire).
   */
  advance(toMs = this.maxEventMs): { closed: string[]; open: string[]; forgotten: string[] } {
    if (toMs > this.maxEventMs) this.maxEventMs = toMs;
    const watermark = this.watermark;
    const closed: string[] = [];
    const open: string[] = [];
    const forgotten: string[] = [];
    for (const s of this.sessions.values()) {
      const r = s.record;
      if (r.status === 'open') {
        if (Date.parse(r.last_seen) + this.silenceAllowed(r) < watermark) {
          s.inactive_since = r.last_seen;
          this.refresh(s);
          closed.push(s.id);
        } else open.push(s.id);
      } else if (Date.parse(r.end ?? r.last_seen) + this.latenessMs + this.graceMs < watermark) {
        this.forget(s);
        forgotten.push(s.id);
      }
    }
    this.lastSweepMs = watermark;
    return { closed, open, forgotten };
  }

  /** Whether event time moved far enough since the last sweep to make another worth its cost. */
  sweepDue(): boolean {
    return this.watermark - this.lastSweepMs >= this.settings.sweepSeconds * 1000;
  }

  /** Forgets every session (before state is reloaded for a new set of partitions). */
  clear(): void {
    this.sessions.clear();
    this.keys.clear();
    this.keysOf.clear();
    this.owner.clear();
  }

  /** A session record from `rm.sessions`, after a restart or a rebalance. */
  restore(session: Session): void {
    const existing = this.sessions.get(session.id);
    if (existing) this.forget(existing);
    if (session.timeline.length === 0) return;
    const state: SessionState = {
      id: session.id,
      shard: session.shard,
      merged_into: session.merged_into,
      inactive_since: session.closed_by === 'inactivity' ? session.end : undefined,
      timeline: [...session.timeline],
      truncated: session.truncated,
      findings: [...session.findings],
      notices: new Set(session.notices),
      approval_id: session.approval_id,
      record: session,
    };
    this.sessions.set(state.id, state);
    if (!state.merged_into) for (const e of state.timeline) this.owner.set(e.id, state.id);
    this.index(state);
    const seen = Date.parse(session.last_seen);
    if (seen > this.maxEventMs) this.maxEventMs = seen;
  }

  /** Re-derives every record (after the registry changed what hosts and accounts mean). */
  rederiveAll(): string[] {
    const ids: string[] = [];
    for (const s of this.sessions.values())
      if (!s.merged_into) {
        this.refresh(s);
        ids.push(s.id);
      }
    return ids;
  }

  /** Sessions sharing an account with this one (for rules about one account in two places). */
  withAccounts(accounts: readonly string[]): SessionState[] {
    const ids = new Set<string>();
    for (const a of accounts) for (const id of this.keys.get(`acct:${a}`) ?? []) ids.add(id);
    return [...ids].map((id) => this.sessions.get(id)).filter((s): s is SessionState => s !== undefined);
  }

  refresh(state: SessionState): void {
    state.record = deriveSession(state, this.registry, this.settings, this.now());
    this.index(state);
  }

  private create(o: Observation, shard: number | undefined): SessionState {
    const draft = {
      id: sessionId(o.entry.id),
      shard,
      timeline: [o.entry],
      truncated: 0,
      findings: [],
      notices: new Set<'session_start' | 'session_end'>(),
    };
    const state: SessionState = {
      ...draft,
      record: deriveSession(draft, this.registry, this.settings, this.now()),
    };
    this.sessions.set(state.id, state);
    this.owner.set(o.entry.id, state.id);
    this.index(state);
    return state;
  }

  private add(state: SessionState, entry: TimelineEntry): SessionState {
    // Connections, ends and failures decide the session's shape and rules: they are kept past the limit, up
    // to twice it. Beyond that, even they are only counted: a session record has to fit in one Kafka
    // message (1 MB), and one that did not would stop the correlator on it for good.
    const role = roleOf(entry);
    const essential = role === 'start' || role === 'end' || role === 'failure';
    const limit = this.settings.timelineLimit * (essential ? 2 : 1);
    if (state.timeline.length >= limit) {
      state.truncated++;
      // The count alone changes: the record says so without being derived again.
      state.record.truncated = state.truncated;
      this.owner.set(entry.id, state.id);
      return state;
    }
    insertEntry(state.timeline, entry);
    this.owner.set(entry.id, state.id);
    this.refresh(state);
    return state;
  }

  /** The session this observation belongs to, merging sessions it proves to be one. */
  private find(o: Observation, at: number, touched: string[]): SessionState | undefined {
    for (const tier of this.tiers(o)) {
      if (tier.likely) {
        const found = this.findLikely(tier, tier.likely, o, at);
        if (found === 'none') continue;
        return found;
      }
      const candidates = [...tier.ids]
        .map((id) => this.sessions.get(id))
        .filter((s): s is SessionState => s !== undefined && this.fits(s, o, at));
      if (candidates.length === 0) continue;
      if (candidates.length === 1) return candidates[0];
      if (tier.hard) return this.merge(candidates, touched);
      return this.pick(candidates, o);
    }
    return undefined;
  }

  /**
   * `pick` among a tier's sessions that fit, by its likely ones first, best reasons first (pick's ranking:
   * both, then onward, then account): a session of a better group outranks all of a worse one, so a group
   * that has any decides alone, and the onward group, which grows with the sessions a server saw, is looked
   * at only when no session of the account went on to this server. Without any, the rest decide only by how
   * many fit (one: that one; more: none of them), so the look at them ends at the second. 'none': no
   * session of the tier fits.
   */
  private findLikely(
    tier: Tier,
    likely: NonNullable<Tier['likely']>,
    o: Observation,
    at: number,
  ): SessionState | undefined | 'none' {
    const fitting = (ids: Iterable<string>, keep: (id: string) => boolean): SessionState[] => {
      const found: SessionState[] = [];
      for (const id of ids) {
        const s = keep(id) && tier.ids.has(id) ? this.sessions.get(id) : undefined;
        if (s && this.fits(s, o, at)) found.push(s);
      }
      return found;
    };
    const { onward, account } = likely;
    for (const group of [
      () => fitting(account, (id) => onward.has(id)),
      () => fitting(onward, (id) => !account.has(id)),
      () => fitting(account, (id) => !onward.has(id)),
    ]) {
      const ranked = group();
      if (ranked.length > 0) return this.pick(ranked, o);
    }
    let only: SessionState | undefined;
    for (const id of tier.ids) {
      const s = this.sessions.get(id);
      if (!s || !this.fits(s, o, at)) continue;
      if (only) return undefined;
      only = s;
    }
    return only ?? 'none';
  }

  private tiers(o: Observation): Tier[] {
    // The index's own sets, not copies: a busy jump terminal's holds every session that passed it.
    const ids = (key: string | undefined): ReadonlySet<string> => (key && this.keys.get(key)) || NONE;
    const tiers: Tier[] = [];
    if (o.logonKey) tiers.push({ ids: ids(`logon:${o.logonKey}`), hard: true });
    const acct = o.account ? `acct:${o.account}` : undefined;
    // The same account from another client address is another connection, not this session.
    const sameClient = (ids: ReadonlySet<string>): ReadonlySet<string> => {
      if (!o.clientIp) return ids;
      return new Set(
        [...ids].filter((id) => {
          const r = this.sessions.get(id)?.record;
          if (!r) return false;
          const known = r.assigned_ip ? [...r.addresses, r.assigned_ip] : r.addresses;
          return known.length === 0 || known.includes(o.clientIp as string);
        }),
      );
    };
    switch (o.entry.layer) {
      case 'vpn': {
        const byUser = new Set(
          [...ids(o.account ? `vpnu:${o.account}` : undefined)].filter((id) => {
            const src = this.sessions.get(id)?.record.source.ip;
            return !src || !o.entry.source_ip || src === o.entry.source_ip;
          }),
        );
        for (const id of ids(o.assignedIp ? `ip:${o.assignedIp}` : undefined)) byUser.add(id);
        tiers.push({ ids: byUser, hard: true });
        break;
      }
      case 'gateway':
      case 'jump':
        if (o.clientIp) tiers.push({ ids: ids(`ip:${o.clientIp}`), hard: true });
        tiers.push({ ids: sameClient(ids(acct)), hard: false });
        break;
      case 'target':
        if (o.viaJump)
          tiers.push({
            ids: ids(`jump:${o.viaJump.toLowerCase()}`),
            hard: false,
            likely: { onward: ids(o.hostKey ? `onward:${o.hostKey}` : undefined), account: ids(acct) },
          });
        else if (o.clientIp) tiers.push({ ids: ids(`ip:${o.clientIp}`), hard: true });
        tiers.push({ ids: sameClient(ids(acct)), hard: false });
        break;
    }
    if (o.role === 'failure' && o.entry.source_ip)
      tiers.push({ ids: ids(`fail:${o.entry.source_ip}`), hard: false });
    return tiers;
  }

  /** Whether an event at `at` can belong to this session in time. */
  private fits(s: SessionState, o: Observation, at: number): boolean {
    const r = s.record;
    if (r.status === 'merged') return false;
    // Lateness is about when an event arrives, not when it happened: linking stays within clock skew.
    if (at < Date.parse(r.start) - this.skewMs) return false;
    if (r.status === 'open') {
      const silence = at - Date.parse(r.last_seen);
      // The same user connecting again after a long silence: the earlier connection ended unseen.
      if (o.role === 'start' && o.entry.layer === r.layers[0] && silence > this.inactivityMs) return false;
      return silence <= this.silenceAllowed(r);
    }
    const end = Date.parse(r.end ?? r.last_seen);
    // A new connection after the end is a new session; the end's stragglers still join.
    if (o.role === 'start' && at > end) return false;
    return at <= end + this.graceMs;
  }

  private silenceAllowed(r: Session): number {
    return r.established ? this.connectedMs : this.inactivityMs;
  }

  /** Several sessions an account could belong to: the one it went to through the jump terminal, else the latest. */
  private pick(candidates: SessionState[], o: Observation): SessionState | undefined {
    const onward = o.hostKey ? this.keys.get(`onward:${o.hostKey}`) : undefined;
    const score = (s: SessionState): number => {
      let n = 0;
      if (onward?.has(s.id)) n += 2;
      if (o.account && s.record.accounts.includes(o.account)) n += 1;
      return n;
    };
    const ranked = candidates
      .map((s) => ({ s, n: score(s) }))
      .sort((a, b) => b.n - a.n || (a.s.record.last_seen < b.s.record.last_seen ? 1 : -1));
    const best = ranked[0];
    // Two vendors on one jump terminal and nothing to tell whose this logon is: better a session of its own
    // (with a coverage gap) than someone else's.
    if (o.viaJump && best && best.n === 0 && ranked.length > 1) return undefined;
    return best?.s;
  }

  private merge(candidates: SessionState[], touched: string[]): SessionState {
    const [survivor, ...absorbed] = [...candidates].sort((a, b) =>
      a.record.start < b.record.start ? -1 : a.record.start > b.record.start ? 1 : a.id < b.id ? -1 : 1,
    ) as [SessionState, ...SessionState[]];
    for (const s of absorbed) {
      for (const e of s.timeline) {
        insertEntry(survivor.timeline, e);
        this.owner.set(e.id, survivor.id);
      }
      survivor.truncated += s.truncated;
      for (const n of s.notices) survivor.notices.add(n);
      s.merged_into = survivor.id;
      this.refresh(s);
      touched.push(s.id);
    }
    this.refresh(survivor);
    return survivor;
  }

  private index(state: SessionState): void {
    for (const k of this.keysOf.get(state.id) ?? []) this.keys.get(k)?.delete(state.id);
    const r = state.record;
    const keys: string[] = [];
    if (r.status !== 'merged') {
      if (r.vpn_user) keys.push(`vpnu:${r.vpn_user}`);
      for (const a of r.accounts) keys.push(`acct:${a}`);
      if (r.assigned_ip) keys.push(`ip:${r.assigned_ip}`);
      for (const a of r.addresses) keys.push(`ip:${a}`);
      for (const l of r.logon_ids) keys.push(`logon:${l}`);
      if (r.jump_host) keys.push(`jump:${r.jump_host.toLowerCase()}`);
      // Where it went on to from the jump terminal (4648): the servers whose logons it is likely to own.
      for (const e of state.timeline)
        if (e.action === 'explicit_credentials' && e.target) keys.push(`onward:${hostKey(e.target)}`);
      if (!r.established && r.source.ip) keys.push(`fail:${r.source.ip}`);
      if (!r.established) for (const e of r.timeline) if (e.source_ip) keys.push(`fail:${e.source_ip}`);
    }
    for (const k of keys) {
      let set = this.keys.get(k);
      if (!set) this.keys.set(k, (set = new Set()));
      set.add(state.id);
    }
    this.keysOf.set(state.id, keys);
  }

  private forget(state: SessionState): void {
    for (const k of this.keysOf.get(state.id) ?? []) {
      const set = this.keys.get(k);
      set?.delete(state.id);
      if (set?.size === 0) this.keys.delete(k);
    }
    this.keysOf.delete(state.id);
    for (const e of state.timeline) if (this.owner.get(e.id) === state.id) this.owner.delete(e.id);
    this.sessions.delete(state.id);
  }
}
