// Configuration of the approvals ledger API (`ledger`).
import { z } from 'zod';
import { TimeZone } from '../../model/common.ts';

export const LEDGER_ROLES = ['reader', 'admin'] as const;
export type LedgerRole = (typeof LEDGER_ROLES)[number];

export const LedgerSettings = z
  .object({
    /** The HTTP API; `null` (the default) turns it off. Port 0 picks a free port (tests). */
    http: z
      .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(8089) })
      .strict()
      .nullable()
      .default(null),
    /** Bearer tokens, each with the name writes are logged under; `reader` may only list and get. */
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1),
            token: z.string().min(16, 'tokens need 16 characters or more'),
            role: z.enum(LEDGER_ROLES),
          })
          .strict(),
      )
      .default([]),
    /** Zone of times written without one (imports, request bodies, query filters). */
    timezone: TimeZone.default('Asia/Tokyo'),
  })
  .strict()
  .refine((s) => s.http === null || s.tokens.length > 0, {
    message: 'the ledger API needs at least one token (ledger.tokens)',
    path: ['tokens'],
  })
  .refine((s) => new Set(s.tokens.map((t) => t.token)).size === s.tokens.length, {
    message: 'two tokens are the same; each caller needs a token of its own',
    path: ['tokens'],
  });
export type LedgerSettings = z.infer<typeof LedgerSettings>;
