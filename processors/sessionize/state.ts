// What the stitcher keeps per session: the timeline and how the session ended. Every other field of the
// session record is derived from these (derive.ts), so merging two sessions or restoring one from
// `rm.sessions` is only a matter of timelines.
import type { FindingMark, Session, TimelineEntry } from '../../model/session.ts';

export interface SessionState {
  id: string;
  shard?: number;
  merged_into?: string;
  /** Set when the session was closed by silence rather than by its own end event. */
  inactive_since?: string;
  timeline: TimelineEntry[];
  truncated: number;
  findings: FindingMark[];
  notices: Set<'session_start' | 'session_end'>;
  approval_id?: string;
  /** When time alone could next change what the rules say (ms); not stored, recomputed on judging. */
  due_at?: number;
  /** The derived record, refreshed after every change. */
  record: Session;
}

/** Timeline order: time, then event id, so the same events always give the same timeline. */
export function byTime(a: TimelineEntry, b: TimelineEntry): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Inserts keeping timeline order; events mostly arrive in order, so search from the end. */
export function insertEntry(timeline: TimelineEntry[], entry: TimelineEntry): void {
  let i = timeline.length;
  while (i > 0 && byTime(timeline[i - 1] as TimelineEntry, entry) > 0) i--;
  timeline.splice(i, 0, entry);
}
