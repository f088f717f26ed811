// What the normaliser remembers between records of one device (a Yamaha RTX's tunnel peers and PP users, a
// host's last 4778 per account), kept bounded: a device or an account that is never heard of again must not
// hold memory forever. The least recently written entries go first; a live session's state is rewritten on
// each of its lines, so it stays.
import { BoundedMemory } from '../../infra/bounded-map.ts';

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
