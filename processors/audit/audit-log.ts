// The audit log: who asked the audit API or CLI what, when, from where, and how many rows they got.
//   input:  one entry per query or action (API: token name and role; CLI: `cli:<OS user>`, role `cli`)
//   output: a document in the `audit` index (indexName(config, 'audit')) and a pino line (`audit` field),
//           so the record survives on either side if the other is down; the parameters are kept as JSON
//           text (their shape differs per action and the index mapping is strict)
// Tokens never reach it: callers pass the parameters of the request, never its headers.
import { randomUUID } from 'node:crypto';
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import type { Logger } from '../../infra/logger.ts';

export type AuditOutcome =
  'ok' | 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'error';

export interface AuditEntry {
  id: string;
  at: string;
  /** Token name, or `cli:<OS user>`. */
  who: string;
  /** auditor / security / admin, `cli`, or `none` (no valid token). */
  role: string;
  action: string;
  /** The session, finding, approval or vendor acted on or looked at. */
  target?: string;
  parameters: Record<string, unknown>;
  outcome: AuditOutcome;
  /** HTTP status of an API call. */
  status?: number;
  /** Rows returned (a list's total, or what an export wrote). */
  result_count?: number;
  /** The caller's address (API) or host name (CLI). */
  client?: string;
  error?: string;
}

export type AuditEntryInput = Omit<AuditEntry, 'id' | 'at'> & { at?: string };

/** What the `audit` index holds of an entry: the parameters as JSON text. */
export interface StoredAuditEntry extends Omit<AuditEntry, 'parameters'> {
  parameters: string;
}

export interface AuditLog {
  /** Records an entry; never throws (a failed index write is logged as an error). */
  record(entry: AuditEntryInput): Promise<AuditEntry>;
}

export function createAuditLog(
  config: Pick<ResolvedConfig, 'namespace'>,
  store: SearchStore,
  log: Logger,
): AuditLog {
  const index = indexName(config, 'audit');
  return {
    async record(input) {
      const entry: AuditEntry = { ...input, id: randomUUID(), at: input.at ?? new Date().toISOString() };
      const level = entry.outcome === 'ok' || entry.outcome === 'not_found' ? 'info' : 'warn';
      log[level]({ audit: entry }, `audit ${entry.action} by ${entry.who}: ${entry.outcome}`);
      const stored: StoredAuditEntry = { ...entry, parameters: JSON.stringify(entry.parameters) };
      try {
        const result = await store.bulkIndex([{ index, id: entry.id, document: stored }], { attempts: 3 });
        for (const r of result.rejected)
          log.error({ audit: entry, reason: r.reason }, 'the audit log refused an entry');
      } catch (err) {
        log.error({ audit: entry, err: String(err) }, 'the audit log could not be written');
      }
      return entry;
    },
  };
}

/** An entry as the index holds it, back in the shape it was recorded in. */
export function auditEntryFromStored(source: Record<string, unknown>): AuditEntry {
  let parameters: Record<string, unknown> = {};
  if (typeof source.parameters === 'string') {
    try {
      parameters = JSON.parse(source.parameters) as Record<string, unknown>;
    } catch {
      parameters = { unreadable: source.parameters };
    }
  }
  return { ...(source as unknown as AuditEntry), parameters };
}
