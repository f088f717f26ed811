// Which sessions were running at an instant, and which started within a span of time, without looking at
// every session in memory: the open ones are few (a city has a handful at once), and of the closed ones only
// those that ended after the instant can have been running then, found by their end in a list kept in order
// of it; starts have a list of their own. The correlator keeps the index in step with each session's running
// time as it judges the session (./engine.ts).
import type { Session } from '../../model/session.ts';

/** When a session ran (ms): from its start to its end, or on from its start while it is open. */
export interface RunningSpan {
  start: number;
  /** Its end; `Infinity` while it is open. */
  end: number;
}

export class RunningIndex {
  private readonly spans = new Map<string, RunningSpan>();
  private readonly open = new Set<string>();
  /** Closed sessions by end. */
  private readonly ended = new Timeline();
  /** Every session by start. */
  private readonly started = new Timeline();

  constructor(private readonly recordOf: (id: string) => Session | undefined) {}

  /** A session's running time now; `undefined` when it does not count (not established, merged, gone). */
  set(id: string, span: RunningSpan | undefined): void {
    const before = this.spans.get(id);
    if (before?.start === span?.start && before?.end === span?.end) return;
    if (before) this.remove(id, before);
    if (!span) return;
    this.spans.set(id, span);
    this.started.add(span.start, id);
    if (span.end === Number.POSITIVE_INFINITY) this.open.add(id);
    else this.ended.add(span.end, id);
  }

  /** A session's running time as last set. */
  spanOf(id: string): RunningSpan | undefined {
    return this.spans.get(id);
  }

  /**
   * Sessions let go of. A sweep forgets thousands at once, the oldest, filed at the head of both timelines:
   * taken out one by one, each would shift the whole list (1.2 s a sweep with 40,000 sessions held); taken
   * out together, it is one pass over each list.
   */
  delete(ids: Iterable<string>): void {
    const gone = new Set<string>();
    for (const id of ids) {
      if (!this.spans.delete(id)) continue;
      this.open.delete(id);
      gone.add(id);
    }
    if (gone.size === 0) return;
    this.started.removeAll(gone);
    this.ended.removeAll(gone);
  }

  /** The sessions that started from `from` to `to` (both included). */
  startedWithin(from: number, to: number): string[] {
    return this.started.within(from, to);
  }

  /**
   * How many sessions other than `except` started at or before `at` and ran past it, and the `first` of them
   * that started earliest (then by id, so that the answer does not depend on the order sessions came into
   * memory), in that order. `openUntil` says how long an open session has run (it may have gone silent).
   * Only the earliest are looked up and sorted, and only when asked: a rule asks for a few holders among
   * hundreds running, and only when they are over its limit.
   */
  runningAt(
    at: number,
    except: string,
    openUntil: (s: Session) => number,
    first = Number.POSITIVE_INFINITY,
  ): { count: number; earliest: () => Session[] } {
    const earliest = new Earliest(first);
    for (const id of this.open) {
      const span = this.spans.get(id);
      if (id === except || !span || span.start > at) continue;
      const record = this.recordOf(id);
      if (record && openUntil(record) > at) earliest.offer(span.start, id);
    }
    this.ended.forEachAfter(at, (id) => {
      const span = this.spans.get(id);
      if (id !== except && span && span.start <= at) earliest.offer(span.start, id);
    });
    // The index follows the sessions in memory (the correlator drops a session from it as it forgets it).
    // Named only when asked: a rule under its limit needs the count alone.
    return {
      count: earliest.count,
      earliest: () => earliest.ids().flatMap((id) => this.recordOf(id) ?? []),
    };
  }

  private remove(id: string, span: RunningSpan): void {
    this.spans.delete(id);
    this.started.remove(span.start, id);
    if (span.end === Number.POSITIVE_INFINITY) this.open.delete(id);
    else this.ended.remove(span.end, id);
  }
}

/** A session's id filed under a time (ms). */
interface Filed {
  at: number;
  id: string;
}

/** Ids in order of a time (ms) each is filed under; sessions mostly come in that order, so most go last. */
class Timeline {
  private readonly items: Filed[] = [];

  add(at: number, id: string): void {
    this.items.splice(this.firstFrom(at, true), 0, { at, id });
  }

  remove(at: number, id: string): void {
    for (let i = this.firstFrom(at, true); i < this.items.length; i++) {
      const item = this.items[i] as Filed;
      if (item.at !== at) return;
      if (item.id === id) {
        this.items.splice(i, 1);
        return;
      }
    }
  }

  /** Every item of these ids, in one pass. */
  removeAll(ids: ReadonlySet<string>): void {
    let kept = 0;
    for (const item of this.items) if (!ids.has(item.id)) this.items[kept++] = item;
    this.items.length = kept;
  }

  within(from: number, to: number): string[] {
    const ids: string[] = [];
    for (let i = this.firstFrom(from, true); i < this.items.length; i++) {
      const item = this.items[i] as Filed;
      if (item.at > to) break;
      ids.push(item.id);
    }
    return ids;
  }

  forEachAfter(at: number, visit: (id: string) => void): void {
    for (let i = this.firstFrom(at, false); i < this.items.length; i++) visit((this.items[i] as Filed).id);
  }

  /** The position of the first item filed after `at` (`orAt`: at or after it). */
  private firstFrom(at: number, orAt: boolean): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = (this.items[mid] as Filed).at;
      if (t < at || (!orAt && t === at)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The `size` smallest of what is offered, by start (`at`) then id. Kept unordered while there is room; once full, as a
 * max-heap (its largest on top), so that each later offer costs a comparison, and a swap only when it is
 * smaller. Sorted only when asked.
 */
class Earliest {
  count = 0;
  private readonly kept: Filed[] = [];
  private heap = false;

  constructor(private readonly size: number) {}

  offer(start: number, id: string): void {
    this.count++;
    const h = this.kept;
    if (h.length < this.size) {
      h.push({ at: start, id });
      return;
    }
    if (h.length === 0) return;
    if (!this.heap) {
      for (let i = (h.length >> 1) - 1; i >= 0; i--) this.down(i);
      this.heap = true;
    }
    const top = h[0] as Filed;
    if (start < top.at || (start === top.at && id < top.id)) {
      h[0] = { at: start, id };
      this.down(0);
    }
  }

  ids(): string[] {
    return [...this.kept].sort((a, b) => (before(a, b) ? -1 : 1)).map((e) => e.id);
  }

  private down(i: number): void {
    const h = this.kept;
    for (;;) {
      let top = i;
      const left = 2 * i + 1;
      const right = left + 1;
      if (left < h.length && before(h[top] as Filed, h[left] as Filed)) top = left;
      if (right < h.length && before(h[top] as Filed, h[right] as Filed)) top = right;
      if (top === i) return;
      const swap = h[top] as Filed;
      h[top] = h[i] as Filed;
      h[i] = swap;
      i = top;
    }
  }
}

function before(a: Filed, b: Filed): boolean {
  return a.at !== b.at ? a.at < b.at : a.id < b.id;
}
