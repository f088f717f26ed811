// Who may send syslog, and what their frames say of them: the allow-list decides per sender, refusals are
// reported every time (they are counted), and all frames of one sender share one description.
import { describe, expect, it } from 'vitest';
import { Senders } from '../../collectors/syslog/senders.ts';

const rules = {
  allow: ['192.0.2.0/24', '2001:db8::/32'],
  sources: [{ cidr: '192.0.2.128/25', timezone: 'UTC' }],
  defaultTimezone: 'Asia/Tokyo',
};

describe('syslog senders', () => {
  it('a sender on the allow-list is described by its address, port, transport and time zone', () => {
    const senders = new Senders(rules, () => undefined);
    expect(senders.of('192.0.2.10', 514, 'udp')).toEqual({
      peer: '192.0.2.10',
      peer_port: 514,
      transport: 'udp',
      format: 'syslog',
      timezone: 'Asia/Tokyo',
    });
    expect(senders.of('192.0.2.200', 514, 'tcp')?.timezone).toBe('UTC');
  });

  it('an IPv4 sender seen through an IPv6 socket is named by its IPv4 address', () => {
    const senders = new Senders(rules, () => undefined);
    expect(senders.of('::ffff:192.0.2.10', 40000, 'tcp')?.peer).toBe('192.0.2.10');
  });

  it('every frame of one sender carries the same description object, another sender another', () => {
    const senders = new Senders(rules, () => undefined);
    const first = senders.of('192.0.2.10', 514, 'udp');
    senders.of('192.0.2.11', 514, 'udp');
    expect(senders.of('192.0.2.10', 514, 'udp')).toBe(first);
    expect(senders.of('192.0.2.10', 515, 'udp')).not.toBe(first);
    expect(senders.of('192.0.2.10', 514, 'tcp')).not.toBe(first);
  });

  it('a sender off the allow-list is refused, and each refused datagram is reported', () => {
    const refused: string[] = [];
    const senders = new Senders(rules, (peer, transport) => refused.push(`${transport} ${peer}`));
    expect(senders.of('198.51.100.7', 514, 'udp')).toBeUndefined();
    expect(senders.of('198.51.100.7', 514, 'udp')).toBeUndefined();
    expect(senders.of('::ffff:198.51.100.8', 1234, 'tcp')).toBeUndefined();
    expect(refused).toEqual(['udp 198.51.100.7', 'udp 198.51.100.7', 'tcp 198.51.100.8']);
  });

  it('an empty allow-list admits every sender', () => {
    const senders = new Senders({ ...rules, allow: [] }, () => undefined);
    expect(senders.of('198.51.100.7', 514, 'udp')?.peer).toBe('198.51.100.7');
  });
});
