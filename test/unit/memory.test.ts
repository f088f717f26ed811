// The normaliser's memory of devices is bounded: what is never heard of again is forgotten, what is still
// being written stays.
import { describe, expect, it } from 'vitest';
import { BoundedMemory } from '../../infra/bounded-map.ts';
import { DeviceMemories } from '../../processors/normalize/memory.ts';

describe('normaliser memory', () => {
  it('beyond its capacity, the least recently written entry is forgotten first', () => {
    const memory = new BoundedMemory<number>(3);
    memory.set('a', 1).set('b', 2).set('c', 3);
    memory.set('a', 10); // a live session's state, written again
    memory.set('d', 4);
    expect([...memory.keys()]).toEqual(['c', 'a', 'd']);
    expect(memory.get('a')).toBe(10);
  });

  it('a device that falls silent is forgotten once more devices than the limit have spoken since', () => {
    const memories = new DeviceMemories(2, 10);
    memories.of('rtx01').set('rtx:lastPeer', '203.0.113.5');
    memories.of('rtx02');
    memories.of('rtx03');
    expect(memories.of('rtx01').get('rtx:lastPeer')).toBeUndefined();
    expect(memories.of('rtx03')).toBe(memories.of('rtx03'));
  });
});
