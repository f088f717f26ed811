// Building blocks shared by every record of the model: addresses, times, names.
import { isIP } from 'node:net';
import { z } from 'zod';

/** An IPv4 or IPv6 address, no port and no zone index (`%10` is local to the logging host; normalisers strip it). */
export const IpAddress = z.string().refine((s) => isIP(s) !== 0 && !s.includes('%'), {
  message: 'not an IPv4 or IPv6 address (without zone index)',
});

/** `a.b.c.d/n` or `x::/n`; a bare address counts as a host route (/32 or /128). */
export const Cidr = z.string().refine(
  (s) => {
    const [addr, prefix, ...rest] = s.split('/');
    if (rest.length > 0 || addr === undefined) return false;
    const family = isIP(addr);
    if (family === 0) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    return Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { message: 'not an IP address or CIDR block' },
);

export const Port = z.number().int().min(0).max(65535);

/**
 * Instants are stored in UTC with a `Z` suffix; the model never holds local times, so sorting and
 * comparing timestamps as strings stays correct. Display in Asia/Tokyo is the presenters' job.
 */
export const UtcTimestamp = z.iso.datetime();

/** Identifiers that end up as Kafka keys and Elasticsearch `_id`s: printable, no whitespace, bounded. */
export const RecordId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s]+$/, 'must not contain whitespace');

export const NonEmptyText = z.string().trim().min(1);

export const ByteCount = z.number().int().nonnegative();

/** An IANA time zone name such as `Asia/Tokyo` or `UTC`. */
export const TimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. Asia/Tokyo, UTC)' },
);
