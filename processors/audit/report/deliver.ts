// One monthly report in the form asked for, the same for the API and the CLI: the usage ledger (様式第3号)
// or the monthly summary (様式第4号) as CSV, or both on one printable HTML page, or that page printed to PDF.
import { renderMonthlyReportCsv } from './csv.ts';
import { renderMonthlyReportHtml } from './html.ts';
import type { ReportLang } from './labels.ts';
import { z } from 'zod';
import type { MonthlyReport } from './build.ts';
import { printPdf, type PrintOptions } from './pdf.ts';

export const ReportFormat = z.enum(['html', 'pdf', 'csv']);
export type ReportFormat = z.infer<typeof ReportFormat>;
/** Which form a CSV holds: the ledger (様式第3号) or the summary (様式第4号). */
export const ReportForm = z.enum(['ledger', 'summary']);
export type ReportForm = z.infer<typeof ReportForm>;

export interface DeliveredReport {
  contentType: string;
  fileName: string;
  body: Buffer;
}

export async function deliverReport(
  report: MonthlyReport,
  options: { format: ReportFormat; form?: ReportForm; lang: ReportLang; print?: PrintOptions },
): Promise<DeliveredReport> {
  // File names stay ASCII (the query as typed when it is, else nothing): headers and old file systems.
  const ascii = (text: string | undefined) => (text && /^[\w.-]+$/.test(text) ? text : undefined);
  const scope = [report.month, ascii(report.vendor?.query), ascii(report.system?.query)]
    .filter(Boolean)
    .join('-');
  if (options.format === 'csv') {
    const form = options.form ?? 'ledger';
    const csv = renderMonthlyReportCsv(report, options.lang)[form];
    return {
      contentType: 'text/csv; charset=utf-8',
      fileName: `${form === 'ledger' ? 'usage-ledger' : 'monthly-summary'}-${scope}.csv`,
      body: Buffer.from(csv, 'utf8'),
    };
  }
  const html = renderMonthlyReportHtml(report, options.lang);
  if (options.format === 'html')
    return {
      contentType: 'text/html; charset=utf-8',
      fileName: `monthly-report-${scope}.html`,
      body: Buffer.from(html, 'utf8'),
    };
  return {
    contentType: 'application/pdf',
    fileName: `monthly-report-${scope}.pdf`,
    body: await printPdf(html, options.print),
  };
}
