// Retention (`rmwatch retention`, and `rmwatch run retention` to apply it periodically).
//   input:  Elasticsearch indices of this namespace; `index.retention` settings
//   output: deleted monthly indices (events, raw evidence) and deleted records older than the kept fiscal
//           years (sessions, findings, approvals, notices, reconciliations, audit log) or months (dead letters),
//           each deletion logged with what and up to when
// Records are kept for whole fiscal years (April to March, Asia/Tokyo), the way the city keeps its papers:
// with 5 years, on any day of fiscal 2026 everything from fiscal 2021 on is kept. Monthly indices go whole
// once their month is older than the kept months. The distribution we run has no delete-by-query, so old
// records are found by a range query and deleted by id in bulk.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import { indexName, type IndexKind } from '../../infra/index-templates.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { fiscalYearStart } from '../../model/tokyo-time.ts';

/** What decides a record's age, per kind kept by fiscal year. */
const RECORD_TIME: Partial<Record<IndexKind, string>> = {
  sessions: 'last_seen',
  findings: '@timestamp',
  approvals: 'window.end',
  notices: '@timestamp',
  reconciliations: 'checked_at',
  audit: 'at',
};

/** Whether a monthly index `<base>-YYYY.MM` is older than the current month and `months` before it. */
export function monthlyIndexExpired(name: string, base: string, now: Date, months: number): boolean {
  const match = new RegExp(`^${escapeRegExp(base)}-(\\d{4})\\.(\\d{2})$`).exec(name);
  if (!match) return false;
  const month = Number(match[1]) * 12 + Number(match[2]) - 1;
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  return month < current - months;
}

export interface RetentionReport {
  deletedIndices: string[];
  deletedRecords: { index: string; count: number; before: string }[];
}

export async function applyRetention(
  config: Pick<ResolvedConfig, 'namespace' | 'index'>,
  store: SearchStore,
  log: Logger,
  options: { now?: Date; dryRun?: boolean } = {},
): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const settings = config.index.retention;
  const report: RetentionReport = { deletedIndices: [], deletedRecords: [] };

  const monthly: [IndexKind, number][] = [
    ['events', settings.eventsMonths],
    ['evidence', settings.evidenceMonths ?? settings.eventsMonths],
    ['pipeline', settings.pipelineMonths],
  ];
  for (const [kind, months] of monthly) {
    const base = indexName(config, kind);
    for (const name of await store.listIndices(`${base}-*`)) {
      if (!monthlyIndexExpired(name, base, now, months)) continue;
      if (!options.dryRun) await store.deleteIndices(name);
      report.deletedIndices.push(name);
      log.info(
        { index: name, keptMonths: months, dryRun: options.dryRun ?? false },
        'retention: deleted index',
      );
    }
  }

  const fiscalCutoff = fiscalYearStart(now, settings.recordsFiscalYears).toISOString();
  const byRecord: [IndexKind, string, string][] = Object.entries(RECORD_TIME).map(([kind, field]) => [
    kind as IndexKind,
    field,
    fiscalCutoff,
  ]);
  const deadLetterCutoff = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - settings.deadLetterMonths, 1),
  ).toISOString();
  byRecord.push(['deadletter', 'at', deadLetterCutoff]);

  for (const [kind, field, before] of byRecord) {
    const index = indexName(config, kind);
    const count = await deleteOlder(store, index, field, before, options.dryRun ?? false);
    if (count === 0) continue;
    report.deletedRecords.push({ index, count, before });
    log.info({ index, count, field, before, dryRun: options.dryRun ?? false }, 'retention: deleted records');
  }
  return report;
}

export function formatRetentionReport(report: RetentionReport, dryRun: boolean): string {
  const verb = dryRun ? 'would delete' : 'deleted';
  const lines = [
    ...report.deletedIndices.map((i) => `retention: ${verb} index ${i}`),
    ...report.deletedRecords.map(
      (r) => `retention: ${verb} ${r.count} record(s) of ${r.index} older than ${r.before}`,
    ),
  ];
  return lines.length > 0 ? lines.join('\n') : 'retention: nothing is older than the retention periods.';
}

async function deleteOlder(
  store: SearchStore,
  index: string,
  field: string,
  before: string,
  dryRun: boolean,
): Promise<number> {
  const query = { range: { [field]: { lt: before } } };
  if (dryRun) return store.count(index, query);
  let deleted = 0;
  for (;;) {
    const page = await store.query(index, { query, size: 1000, _source: false, ignore_unavailable: true });
    if (page.hits.length === 0) return deleted;
    const result = await store.bulkIndex(
      page.hits.map((h) => ({ index: h.index, id: h.id, document: {}, delete: true })),
      { refresh: true },
    );
    // Nothing deletable in a full page means something refuses: stop rather than loop on it.
    if (result.indexed === 0) return deleted;
    deleted += result.indexed;
  }
}

export interface RetentionJob {
  /** `runs` and `failures` of the periodic retention. */
  counters: Counters;
  stop(): Promise<void>;
}

/** Applies retention at start and then every `index.retention.intervalHours`. */
export function startRetention(
  config: Pick<ResolvedConfig, 'namespace' | 'index'>,
  store: SearchStore,
  log: Logger,
): RetentionJob {
  const counters = new Counters('retention');
  let running: Promise<unknown> = Promise.resolve();
  const run = (): void => {
    counters.inc('runs');
    running = applyRetention(config, store, log).catch((err: unknown) => {
      counters.inc('failures');
      log.error({ err }, 'retention failed; it runs again at the next interval');
    });
  };
  run();
  const timer = setInterval(run, config.index.retention.intervalHours * 3600_000);
  return {
    counters,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
