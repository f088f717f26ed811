// Remembered answers: the same answer as computing it, and memory that stays within its bound.
import { describe, expect, it } from 'vitest';
import { memo } from '../../model/memo.ts';

describe('remembered answers', () => {
  it('compute each key once while it is remembered', () => {
    const asked: string[] = [];
    const upper = memo((k) => {
      asked.push(k);
      return k.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a')]).toEqual(['A', 'B', 'A']);
    expect(asked).toEqual(['a', 'b']);
  });

  it('start over past their bound, and still answer the same', () => {
    const asked: string[] = [];
    const even = memo((k) => {
      asked.push(k);
      return Number(k) % 2 === 0;
    }, 2);
    expect([even('1'), even('2'), even('3'), even('1')]).toEqual([false, true, false, false]);
    // '3' came with two remembered: they were let go, so '1' was computed again.
    expect(asked).toEqual(['1', '2', '3', '1']);
  });
});
