// Which sessions were running at an instant, without looking at every session in memory: the open ones
// are few (a city has a handful at once), and of the closed ones only those that ended after the instant
// can have been running then, found by their end in a list kept in order of it. The correlator keeps the
// index in step with each session's running time as it judges the session (./engine.ts).
import type { Session } from '../../model/session.ts';

/** When a session ran (ms): from its start to its end, or on from its start while it is open. */
export interface RunningSpan {
  start: number;
  /** Its end; `Infinity` while it is open. */
  end: number;
}

interface Ended {
  end: number;
  id: string;
}

export class RunningIndex {
  private readonly spans = new Map<string, RunningSpan>();
  private readonly open = new Set<string>();
  /** Closed sessions by end, earliest first. */
  private readonly ended: Ended[] = [];

  constructor(private readonly recordOf: (id: string) => Session | undefined) {}

  /** A session's running time now; `undefined` when it does not count (not established, merged, gone). */
  set(id: string, span: RunningSpan | undefined): void {
    const before = this.spans.get(id);
    if (before?.start === span?.start && before?.end === span?.end) return;
    if (before) this.remove(id, before);
    if (!span) return;
    this.spans.set(id, span);
    if (span.end === Number.POSITIVE_INFINITY) this.open.add(id);
    else this.ended.splice(this.firstEndingAfter(span.end, true), 0, { end: span.end, id });
  }

  /** A session's running time as last set. */
  spanOf(id: string): RunningSpan | undefined {
    return this.spans.get(id);
  }

  delete(id: string): void {
    const before = this.spans.get(id);
    if (before) this.remove(id, before);
  }

  /**
   * Sessions other than `except` that started at or before `at` and ran past it, earliest started first
   * (then by id, so that the answer does not depend on the order sessions came into memory).
   * `openUntil` says how long an open session has run (it may have gone silent).
   */
  runningAt(at: number, except: string, openUntil: (s: Session) => number): Session[] {
    const found: { start: number; record: Session }[] = [];
    const take = (id: string, stillRunning?: (record: Session) => boolean) => {
      const span = this.spans.get(id);
      if (id === except || !span || span.start > at) return;
      const record = this.recordOf(id);
      if (record && (stillRunning?.(record) ?? true)) found.push({ start: span.start, record });
    };
    for (const id of this.open) take(id, (record) => openUntil(record) > at);
    for (let i = this.firstEndingAfter(at, false); i < this.ended.length; i++)
      take((this.ended[i] as Ended).id);
    found.sort((a, b) =>
      a.start !== b.start
        ? a.start - b.start
        : a.record.id < b.record.id
          ? -1
          : a.record.id > b.record.id
            ? 1
            : 0,
    );
    return found.map((f) => f.record);
  }

  private remove(id: string, span: RunningSpan): void {
    this.spans.delete(id);
    if (span.end === Number.POSITIVE_INFINITY) {
      this.open.delete(id);
      return;
    }
    for (let i = this.firstEndingAfter(span.end, true); i < this.ended.length; i++) {
      const e = this.ended[i] as Ended;
      if (e.end !== span.end) break;
      if (e.id === id) {
        this.ended.splice(i, 1);
        return;
      }
    }
  }

  /** The position of the first closed session ending after `at` (`orAt`: at or after it). */
  private firstEndingAfter(at: number, orAt: boolean): number {
    let lo = 0;
    let hi = this.ended.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const end = (this.ended[mid] as Ended).end;
      if (end < at || (!orAt && end === at)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
