// Configuration of the syslog collector (`collectors.syslog`).
import { MAX_RAW_RECORD_BYTES } from '../oversize.ts';
import { z } from 'zod';
import { Cidr, TimeZone } from '../../model/common.ts';
import { ForwarderSettings } from '../forwarder.ts';
import { JournalSettings } from '../journal.ts';
import { PackerSettings } from './packer.ts';

const Endpoint = z
  .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535) })
  .strict();

export const SyslogCollectorSettings = z
  .object({
    /** `null` turns a transport off. Port 0 picks a free port (tests). */
    udp: Endpoint.nullable().default({ host: '0.0.0.0', port: 5514 }),
    tcp: Endpoint.nullable().default({ host: '0.0.0.0', port: 5514 }),
    tls: Endpoint.extend({
      certFile: z.string().min(1),
      keyFile: z.string().min(1),
      caFile: z.string().min(1).optional(),
      clientCertificate: z.enum(['none', 'request', 'require']).default('none'),
    })
      .strict()
      .nullable()
      .default(null),
    maxFrameBytes: z
      .number()
      .int()
      .positive()
      .max(
        MAX_RAW_RECORD_BYTES,
        `at most ${MAX_RAW_RECORD_BYTES} bytes: a frame and its dead letter must each fit one Kafka record`,
      )
      .default(64 * 1024),
    /** Senders allowed to deliver; empty admits every sender. */
    allow: z.array(Cidr).default([]),
    /** Time zone of senders whose timestamps carry none (RFC 3164), by sender address. */
    sources: z.array(z.object({ cidr: Cidr, timezone: TimeZone }).strict()).default([]),
    defaultTimezone: TimeZone.default('Asia/Tokyo'),
    /** How frames are gathered into Kafka records (model/frames.ts). */
    batch: PackerSettings.default(() => PackerSettings.parse({})),
    forwarder: ForwarderSettings.default(() => ForwarderSettings.parse({})),
    /** The journal lives in `<stack.dir>/journal/syslog` unless `dir` says otherwise. */
    journal: JournalSettings.partial({ dir: true }).default(() =>
      JournalSettings.partial({ dir: true }).parse({}),
    ),
  })
  .strict();
export type SyslogCollectorSettings = z.infer<typeof SyslogCollectorSettings>;
