// Which sessions ran at an instant: open ones from their start on, closed ones from start to end.
import { describe, expect, it } from 'vitest';
import type { Session } from '../../model/session.ts';
import { RunningIndex } from '../../processors/correlate/running-index.ts';

const records = new Map<string, Session>();
const session = (id: string) => {
  const s = { id } as Session;
  records.set(id, s);
  return s;
};
const ids = (list: Session[]) => list.map((s) => s.id);
const forEver = () => Number.POSITIVE_INFINITY;

describe('sessions running at an instant', () => {
  const index = new RunningIndex((id) => records.get(id));
  for (const id of ['a', 'b', 'c', 'd', 'e']) session(id);
  index.set('a', { start: 100, end: 200 });
  index.set('b', { start: 150, end: Number.POSITIVE_INFINITY });
  index.set('c', { start: 120, end: 180 });
  index.set('d', { start: 300, end: 400 });

  it('are those started at or before it and ending after it, earliest started first', () => {
    expect(ids(index.runningAt(160, 'x', forEver))).toEqual(['a', 'c', 'b']);
    expect(ids(index.runningAt(180, 'x', forEver))).toEqual(['a', 'b']);
    expect(ids(index.runningAt(100, 'x', forEver))).toEqual(['a']);
  });

  it('leave out the session asking, and an open one gone silent before the instant', () => {
    expect(ids(index.runningAt(160, 'c', forEver))).toEqual(['a', 'b']);
    expect(ids(index.runningAt(160, 'x', () => 155))).toEqual(['a', 'c']);
  });

  it('follow a session that ends, moves or stops counting', () => {
    index.set('b', { start: 150, end: 170 });
    expect(ids(index.runningAt(175, 'x', forEver))).toEqual(['a', 'c']);
    index.set('c', { start: 120, end: 190 });
    index.set('e', { start: 120, end: 190 });
    expect(ids(index.runningAt(185, 'x', forEver))).toEqual(['a', 'c', 'e']);
    index.set('c', undefined);
    index.delete('a');
    expect(ids(index.runningAt(185, 'x', forEver))).toEqual(['e']);
  });
});
