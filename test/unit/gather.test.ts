// Group commit: what the partitions of one fetch hand over at once is done as one piece of work.
import { describe, expect, it } from 'vitest';
import { gathering } from '../../infra/gather.ts';

describe('gathering handed-over items into pieces of work', () => {
  it('does the items handed over in one turn as one piece, and answers each caller with its own answer', async () => {
    const pieces: string[][] = [];
    const shout = gathering(async (items: string[]) => {
      pieces.push(items);
      return items.map((i) => i.toUpperCase());
    });
    const answers = await Promise.all([shout('a'), shout('b'), shout('c')]);
    expect(pieces).toEqual([['a', 'b', 'c']]);
    expect(answers).toEqual(['A', 'B', 'C']);
  });

  it('gathers what is handed over while a piece runs into the next piece', async () => {
    const pieces: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const double = gathering(async (items: number[]) => {
      pieces.push(items);
      if (pieces.length === 1) await held;
      return items.map((i) => i * 2);
    });
    const first = double(1);
    await new Promise((r) => setImmediate(r));
    const later = [double(2), double(3)];
    release();
    expect(await first).toBe(2);
    expect(await Promise.all(later)).toEqual([4, 6]);
    expect(pieces).toEqual([[1], [2, 3]]);
  });

  it('fails every caller of a failed piece, and only them, so each retries its own records', async () => {
    let calls = 0;
    const write = gathering(async (items: string[]) => {
      calls++;
      if (calls === 1) throw new Error('the broker did not answer');
      return items.map(() => 'written');
    });
    const failed = await Promise.allSettled([write('p0'), write('p1')]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(await write('p0')).toBe('written');
  });

  it('fails every caller of work that answers fewer items than it was given, rather than answer one wrongly', async () => {
    const short = gathering(async (items: string[]) => items.slice(1));
    const answers = await Promise.allSettled([short('a'), short('b')]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
  });
});
