// Who may send, and the receive metadata their frames carry: one metadata object per sender (connection or
// UDP source address and port), so the frame packer can group a sender's frames by identity and the
// allow-list and time-zone lookups run once per sender rather than once per frame.
import { BoundedMemory } from '../../infra/bounded-map.ts';
import type { SharedMetadata } from '../../model/frames.ts';
import { addressMatcher, canonicalAddress } from '../../model/network.ts';
import type { SyslogTransport } from './sockets.ts';

export interface SenderRules {
  /** Senders allowed to deliver; empty admits every sender. */
  allow: readonly string[];
  sources: readonly { cidr: string; timezone: string }[];
  defaultTimezone: string;
}

export class Senders {
  private readonly admits: (address: string) => boolean;
  private readonly zones: { matches: (address: string) => boolean; timezone: string }[];
  private readonly defaultTimezone: string;
  /** By transport, address and port as the socket reports them; null marks a refused sender. */
  private readonly known = new BoundedMemory<SharedMetadata | null>(10_000);
  private last: { address: string; port: number; transport: SyslogTransport; shared: SharedMetadata | null } =
    { address: '', port: -1, transport: 'udp', shared: null };

  constructor(
    rules: SenderRules,
    /** Told of every refused connection or datagram, with the sender's canonical address. */
    private readonly refused: (peer: string, transport: SyslogTransport) => void,
  ) {
    this.admits = rules.allow.length > 0 ? addressMatcher(rules.allow) : () => true;
    this.zones = rules.sources.map((s) => ({ matches: addressMatcher([s.cidr]), timezone: s.timezone }));
    this.defaultTimezone = rules.defaultTimezone;
  }

  /** The metadata for a sender's frames, or undefined when it is not on the allow-list. */
  of(address: string, port: number, transport: SyslogTransport): SharedMetadata | undefined {
    // Most datagrams come from the sender of the one before.
    const last = this.last;
    let shared: SharedMetadata | null | undefined;
    if (last.port === port && last.address === address && last.transport === transport) shared = last.shared;
    else {
      const key = `${transport} ${address} ${port}`;
      shared = this.known.get(key);
      if (shared === undefined) {
        shared = this.describe(address, port, transport);
        this.known.set(key, shared);
      }
      this.last = { address, port, transport, shared };
    }
    if (shared === null) {
      this.refused(canonicalAddress(address), transport);
      return undefined;
    }
    return shared;
  }

  private describe(address: string, port: number, transport: SyslogTransport): SharedMetadata | null {
    const peer = canonicalAddress(address);
    if (!this.admits(peer)) return null;
    return {
      peer,
      peer_port: port,
      transport,
      format: 'syslog',
      timezone: this.zones.find((z) => z.matches(peer))?.timezone ?? this.defaultTimezone,
    };
  }
}
