// A Map with a size limit, for state keyed by things the outside world names (devices, senders, accounts):
// what is not written for longest goes first, so a flood of new names cannot grow memory without end.

/** A Map that forgets its least recently written entries beyond `capacity`. */
export class BoundedMemory<V = unknown> extends Map<string, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: string, value: V): this {
    // Re-inserting moves the key to the end: Map iterates in insertion order, oldest first.
    super.delete(key);
    super.set(key, value);
    if (this.size > this.capacity) {
      const oldest = this.keys().next();
      if (!oldest.done) super.delete(oldest.value);
    }
    return this;
  }
}
