// The monthly usage report (様式第3号 / 様式第4号): what the audit CLI and API call.
export {
  buildMonthlyReport,
  type LedgerRow,
  type MonthlyReport,
  type MonthlyReportInput,
  type MonthlySummary,
  type RuleSummary,
  type VendorSummary,
} from './build.ts';
export { renderMonthlyReportCsv, type MonthlyReportCsv } from './csv.ts';
export { renderMonthlyReportHtml, escapeHtml } from './html.ts';
export { LABELS, reportLang, ruleName, type ReportLang } from './labels.ts';
export { loadMonthlyReport, type MonthlyReportQuery } from './load.ts';
export { MonthlyReportInputError, monthPeriod } from './month.ts';
export { ChromiumMissingError, printPdf, type PrintOptions } from './pdf.ts';
export { deliverReport, ReportForm, ReportFormat, type DeliveredReport } from './deliver.ts';
