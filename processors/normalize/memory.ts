// What the normaliser remembers between records of one device (a Yamaha RTX's tunnel peers and PP users, a
// host's last 4778 per account), kept bounded: a device or an account that is never heard of again must not
// hold memory forever. The least recently written entries go first; a live session's state is rewritten on
// each of its lines, so it stays.

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

/** Per-device memories, themselves bounded by the number of devices. */
export class DeviceMemories {
  private readonly devices: BoundedMemory<BoundedMemory>;

  constructor(
    maxDevices = 10_000,
    private readonly entriesPerDevice = 4_096,
  ) {
    this.devices = new BoundedMemory(maxDevices);
  }

  of(device: string): Map<string, unknown> {
    let memory = this.devices.get(device);
    if (!memory) memory = new BoundedMemory(this.entriesPerDevice);
    this.devices.set(device, memory);
    return memory;
  }
}
