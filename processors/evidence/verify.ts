// `rmwatch verify`: walks every evidence hash chain in seq order and reports, per chain, the first broken
// link (processors/evidence/chain.ts: altered, missing, re-linked, duplicate, truncated).
//   input:  Elasticsearch alias `rm-evidence` (records and chain heads), optionally narrowed to one source
//           and a range of Asia/Tokyo days
//   output: a VerifyReport (printed as text or JSON by the CLI); exit 0 intact, 1 broken, 2 error
// Records are read in pages (search_after, sorted by chain, seq), and the heads in a second sorted stream
// merged alongside, so memory holds a page and the verdicts, never a month of records.
import type { ResolvedConfig } from '../../infra/config.ts';
import { searchAfter, type SearchHit, type SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import { BREAK_TEXT, ChainHead, ChainVerifier, type ChainVerdict } from './chain.ts';

export interface VerifyOptions {
  source?: string;
  /** First Asia/Tokyo day, `YYYY-MM-DD`, inclusive. */
  from?: string;
  /** Last Asia/Tokyo day, `YYYY-MM-DD`, inclusive. */
  to?: string;
  /** Documents per request; default 1000. */
  pageSize?: number;
}

export interface VerifyReport {
  chains: number;
  records: number;
  broken: number;
  verdicts: ChainVerdict[];
}

/** A bad `--from` / `--to`. */
export class VerifyOptionError extends Error {
  override name = 'VerifyOptionError';
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkDay(option: string, value: string | undefined): void {
  if (value === undefined) return;
  const m = DAY.exec(value);
  const date = m ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new VerifyOptionError(`${option} takes a day as YYYY-MM-DD, not ${JSON.stringify(value)}`);
}

function chainFilter(options: VerifyOptions): object[] {
  const filter: object[] = [];
  if (options.source !== undefined) filter.push({ term: { source: options.source } });
  if (options.from !== undefined || options.to !== undefined)
    filter.push({ range: { day: { gte: options.from, lte: options.to } } });
  return filter;
}

/** Keyword sort order in Elasticsearch: by UTF-8 bytes (JavaScript compares UTF-16 units). */
function compareKeywords(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export async function verifyEvidence(
  store: SearchStore,
  config: Pick<ResolvedConfig, 'namespace'>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  checkDay('--from', options.from);
  checkDay('--to', options.to);
  if (options.from && options.to && options.from > options.to)
    throw new VerifyOptionError(`--from ${options.from} is after --to ${options.to}`);
  const alias = indexName(config, 'evidence');
  const pageSize = options.pageSize ?? 1000;
  const filter = chainFilter(options);
  // Nothing to walk is not the same as intact: say so instead of reporting zero chains as sound.
  if ((await store.listIndices(`${alias}-*`)).length === 0)
    throw new Error(`no evidence index ${alias}-*: run \`rmwatch setup\` and the evidence stage first`);
  await store.refresh(alias);

  const everyIndex = { ignore_unavailable: true, allow_no_indices: true };
  const records = searchAfter(
    store,
    alias,
    {
      query: { bool: { filter: [{ term: { entry: 'record' } }, ...filter] } },
      sort: [{ chain: 'asc' }, { seq: 'asc' }, { id: 'asc' }],
      ...everyIndex,
    },
    pageSize,
  );
  const heads = searchAfter(
    store,
    alias,
    {
      query: { bool: { filter: [{ term: { entry: 'head' } }, ...filter] } },
      sort: [{ chain: 'asc' }, { updated_at: 'desc' }],
      ...everyIndex,
    },
    pageSize,
  );
  const chainOfHit = (hit: SearchHit): string => {
    const chain = hit.source.chain;
    // A document without its chain cannot be placed; it is reported under a name of its own.
    return typeof chain === 'string' ? chain : `(no chain: ${hit.index}/${hit.id})`;
  };

  const report: VerifyReport = { chains: 0, records: 0, broken: 0, verdicts: [] };
  let record = await records.next();
  let head = await heads.next();
  while (!record.done || !head.done) {
    const recordChain = record.done ? undefined : chainOfHit(record.value);
    const headChain = head.done ? undefined : chainOfHit(head.value);
    const chain =
      recordChain === undefined
        ? (headChain as string)
        : headChain === undefined || compareKeywords(recordChain, headChain) <= 0
          ? recordChain
          : headChain;
    let chainHead: ChainHead | undefined;
    let headProblem: string | undefined;
    // More than one head for a chain (one per month index cannot happen; a copy can): the newest counts.
    while (!head.done && chainOfHit(head.value) === chain) {
      if (chainHead === undefined && headProblem === undefined) {
        const parsed = ChainHead.safeParse(head.value.source);
        if (parsed.success) chainHead = parsed.data;
        else headProblem = `head document ${head.value.id} is not a chain head`;
      }
      head = await heads.next();
    }
    const verifier = new ChainVerifier(chain, chainHead);
    while (!record.done && chainOfHit(record.value) === chain) {
      verifier.add(record.value.source, record.value.id);
      record = await records.next();
    }
    const verdict = verifier.finish();
    if (headProblem && !verdict.broken)
      verdict.broken = { kind: 'altered', seq: verdict.records, detail: headProblem };
    report.chains++;
    report.records += verdict.records;
    if (verdict.broken) report.broken++;
    report.verdicts.push(verdict);
  }
  return report;
}

/** The report as people read it: one line per broken chain (and per note), then the summary. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const v of report.verdicts) {
    if (v.broken)
      lines.push(
        `BROKEN ${v.chain} seq ${v.broken.seq}: ${BREAK_TEXT[v.broken.kind]}` +
          `${v.broken.id ? ` [${v.broken.id}]` : ''}: ${v.broken.detail}`,
      );
    for (const note of v.notes) lines.push(`note   ${v.chain}: ${note}`);
  }
  lines.push(
    `chains: ${report.chains}, records checked: ${report.records}, broken chains: ${report.broken}` +
      (report.broken === 0 ? ' — intact' : ''),
  );
  return lines.join('\n');
}
