// Configuration of the approvals ledger API (`ledger`).
import { z } from 'zod';
import { bearerTokens, httpListen } from '../../infra/bearer.ts';
import { TimeZone } from '../../model/common.ts';

export const LEDGER_ROLES = ['reader', 'admin'] as const;
export type LedgerRole = (typeof LEDGER_ROLES)[number];

export const LedgerSettings = z
  .object({
    /** The HTTP API; `null` (the default) turns it off. */
    http: httpListen(8089),
    /** Bearer tokens, each with the name writes are logged under; `reader` may only list and get. */
    tokens: bearerTokens(z.enum(LEDGER_ROLES)),
    /** Zone of times written without one (imports, request bodies, query filters). */
    timezone: TimeZone.default('Asia/Tokyo'),
  })
  .strict()
  .refine((s) => s.http === null || s.tokens.length > 0, {
    message: 'the ledger API needs at least one token (ledger.tokens)',
    path: ['tokens'],
  });
export type LedgerSettings = z.infer<typeof LedgerSettings>;
