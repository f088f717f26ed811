// Configuration of the audit API (`audit`): where it listens and who may call it with which role.
//   auditor  — reads sessions, timelines, findings and approvals
//   security — also dispositions findings and freezes / unfreezes vendors
//   admin    — everything, including the audit log itself
import { z } from 'zod';
import { bearerTokens, httpListen } from '../../infra/bearer.ts';

export const AUDIT_ROLES = ['auditor', 'security', 'admin'] as const;
export const AuditRole = z.enum(AUDIT_ROLES);
export type AuditRole = z.infer<typeof AuditRole>;

export const AuditSettings = z
  .object({
    /** The HTTP API; `null` (the default) turns it off. */
    http: httpListen(8090),
    /** Bearer tokens; `name` is who the audit log says asked. */
    tokens: bearerTokens(AuditRole),
    /** Rows fetched per Elasticsearch request when a list is exported whole (CSV). */
    exportPageSize: z.number().int().min(10).max(10_000).default(1000),
  })
  .strict()
  .refine((s) => s.http === null || s.tokens.length > 0, {
    message: 'the audit API needs at least one token (audit.tokens)',
    path: ['tokens'],
  });
export type AuditSettings = z.infer<typeof AuditSettings>;
