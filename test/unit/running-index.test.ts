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
const ids = (found: { earliest: () => readonly Session[] }) => found.earliest().map((s) => s.id);
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

  it('are all counted, but only the first few asked for are named', () => {
    const two = index.runningAt(160, 'x', forEver, 2);
    expect(two.count).toBe(3);
    expect(two.earliest()).toEqual([records.get('a'), records.get('c')]);
    const none = index.runningAt(160, 'x', forEver, 0);
    expect(none.count).toBe(3);
    expect(none.earliest()).toEqual([]);
    expect(ids(index.runningAt(160, 'x', forEver, 5))).toEqual(['a', 'c', 'b']);
  });

  it('name the earliest among many, ties by id, whatever order they came in', () => {
    const many = new RunningIndex((id) => records.get(id));
    const order = Array.from({ length: 60 }, (_, i) => (i * 37) % 60);
    for (const i of order) {
      session(`m${String(i).padStart(2, '0')}`);
      many.set(`m${String(i).padStart(2, '0')}`, { start: 1000 + Math.floor(i / 2), end: 5000 });
    }
    const found = many.runningAt(2000, 'x', forEver, 5);
    expect(found.count).toBe(60);
    expect(ids(found)).toEqual(['m00', 'm01', 'm02', 'm03', 'm04']);
  });

  it('follow a session that ends, moves or stops counting', () => {
    index.set('b', { start: 150, end: 170 });
    expect(ids(index.runningAt(175, 'x', forEver))).toEqual(['a', 'c']);
    index.set('c', { start: 120, end: 190 });
    index.set('e', { start: 120, end: 190 });
    expect(ids(index.runningAt(185, 'x', forEver))).toEqual(['a', 'c', 'e']);
    index.set('c', undefined);
    index.delete(['a']);
    expect(ids(index.runningAt(185, 'x', forEver))).toEqual(['e']);
  });

  it('let go of many sessions at once and keep the rest, filed at the same times or not', () => {
    const held = new RunningIndex((id) => records.get(id));
    for (let i = 0; i < 10; i++) {
      session(`h${i}`);
      held.set(`h${i}`, {
        start: 1000 + Math.floor(i / 2),
        end: i === 9 ? Number.POSITIVE_INFINITY : 2000 + i,
      });
    }
    held.delete(['h0', 'h2', 'h3', 'h9', 'never-held']);
    expect(ids(held.runningAt(1500, 'x', forEver))).toEqual(['h1', 'h4', 'h5', 'h6', 'h7', 'h8']);
    expect(held.startedWithin(1000, 1001)).toEqual(['h1']);
    expect(held.spanOf('h2')).toBeUndefined();
    held.set('h2', { start: 1001, end: 2002 });
    expect(held.startedWithin(1000, 1001)).toEqual(['h1', 'h2']);
  });
});
