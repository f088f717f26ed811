// Address matching for allow-lists and registered sources.
import { BlockList, isIP } from 'node:net';
import { Cidr } from './common.ts';

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) is `192.0.2.1`. */
export function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** A predicate over addresses: inside any of the CIDR blocks (or equal to any bare address). */
export function addressMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr = '', prefix] = cidr.split('/');
    const family = isIP(addr);
    if (family === 0) throw new Error(`not an address or CIDR block: ${cidr}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(prefix), type);
  }
  return (address) => {
    const a = canonicalAddress(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Whether an entry of a source list is an address or CIDR block (and not, say, a VPN user name). */
export function isAddressOrCidr(entry: string): boolean {
  return Cidr.safeParse(entry).success;
}
