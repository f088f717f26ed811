// The monthly report as one self-contained printable page (A4 landscape): the usage ledger (様式第3号)
// then, on a new sheet, the monthly report (様式第4号).
//   input:  a MonthlyReport, the language of the labels
//   output: an HTML document with inline CSS only (no scripts, fonts or images fetched), every text escaped;
//           table headers repeat on each printed page, rows are not split across pages
import type { MonthlyReport } from './build.ts';
import {
  byRuleHeader,
  byRuleRows,
  byVendorHeader,
  byVendorRows,
  figureRows,
  findingsCell,
  ledgerHeader,
  titleFacts,
} from './csv.ts';
import { LABELS, type ReportLang } from './labels.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `
@page { size: A4 landscape; margin: 12mm 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: #000; font-size: 8.5pt; line-height: 1.35;
  font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Yu Gothic", Meiryo, sans-serif;
}
h1 { font-size: 14pt; margin: 0 0 4pt; text-align: center; }
h2 { font-size: 10.5pt; margin: 10pt 0 3pt; }
.form + .form { break-before: page; page-break-before: always; }
.facts { display: flex; flex-wrap: wrap; gap: 2pt 16pt; margin: 0 0 6pt; }
.facts div { white-space: nowrap; }
.facts dt { display: inline; font-weight: bold; }
.facts dt::after { content: "："; }
html[lang="en"] .facts dt::after { content: ": "; }
.facts dd { display: inline; margin: 0; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.5pt solid #555; padding: 1.5pt 3pt; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
table.ledger { table-layout: fixed; font-size: 8pt; }
th { background: #e8e8e8; font-weight: bold; overflow-wrap: break-word; }
table.ledger th { font-size: 7pt; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.time { white-space: nowrap; }
td.id { font-size: 6pt; word-break: break-all; }
tr.total td { font-weight: bold; border-top: 1pt solid #000; }
table.figures { width: auto; min-width: 50%; }
.empty { margin: 8pt 0; }
`;

type Cell = { text: string; className?: string };

const cell = (value: string | number, className?: string): Cell => ({
  text: String(value),
  className: className ?? (typeof value === 'number' ? 'num' : undefined),
});

function row(cells: readonly Cell[], tag: 'td' | 'th' = 'td', className?: string): string {
  const open = className ? `<tr class="${className}">` : '<tr>';
  return `${open}${cells
    .map((c) => `<${tag}${c.className ? ` class="${c.className}"` : ''}>${escapeHtml(c.text)}</${tag}>`)
    .join('')}</tr>`;
}

function table(header: readonly Cell[], body: readonly string[], className?: string, columns = ''): string {
  return `<table${className ? ` class="${className}"` : ''}>${columns}<thead>${row(header, 'th')}</thead><tbody>${body.join('\n')}</tbody></table>`;
}

/** Ledger column widths (%), so that dates and times stay on one line on A4 landscape. */
const LEDGER_WIDTHS = [6, 8, 6, 8, 8, 9, 9, 9, 4.5, 4.5, 5, 10, 3.5, 4.5, 5];
const LEDGER_COLUMNS = `<colgroup>${LEDGER_WIDTHS.map((w) => `<col style="width:${w}%">`).join('')}</colgroup>`;

/** Numeric columns right-aligned in the header as in the body. */
const headerCells = (labels: readonly string[], numericFrom: number): Cell[] =>
  labels.map((text, i) => ({ text, className: i >= numericFrom ? 'num' : undefined }));

function facts(report: MonthlyReport, lang: ReportLang): string {
  return `<dl class="facts">${titleFacts(report, lang)
    .map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`)
    .join('')}</dl>`;
}

function ledgerForm(report: MonthlyReport, lang: ReportLang): string {
  const labels = LABELS[lang];
  const list = (values: readonly string[]) => values.join(lang === 'ja' ? '、' : ', ');
  const header = ledgerHeader(lang).map((text, i) => ({
    text,
    className: [8, 9, 12].includes(i) ? 'num' : undefined,
  }));
  const rows = report.ledger.map((r) =>
    row([
      cell(r.date, 'time'),
      cell(r.vendor || labels.unknownVendor),
      cell(r.operator),
      cell(list(r.accounts)),
      cell(r.purpose),
      cell(list(r.systems)),
      cell(r.start, 'time'),
      cell(r.end, 'time'),
      cell(r.minutes),
      cell(r.out_of_window_minutes),
      cell(r.approval_id),
      cell(list(findingsCell(r, lang))),
      cell(r.finding_count),
      cell(labels.state[r.state]),
      cell(r.session_id, 'id'),
    ]),
  );
  const body =
    report.ledger.length === 0
      ? `<p class="empty">${escapeHtml(labels.noRows)}</p>`
      : table(
          header,
          [
            ...rows,
            row(
              [
                { text: labels.total },
                ...Array.from({ length: 7 }, () => ({ text: '' })),
                cell(report.summary.minutes),
                cell(report.summary.out_of_window_minutes),
                { text: '' },
                { text: '' },
                cell(report.summary.findings),
                { text: '' },
                { text: '' },
              ],
              'td',
              'total',
            ),
          ],
          'ledger',
          LEDGER_COLUMNS,
        );
  return `<section class="form"><h1>${escapeHtml(labels.ledgerTitle)}</h1>${facts(report, lang)}${body}</section>`;
}

function summaryForm(report: MonthlyReport, lang: ReportLang): string {
  const labels = LABELS[lang];
  const f = labels.figures;
  const figures = table(
    headerCells([f.item, f.value], 1),
    figureRows(report, lang).map(([k, v]) => row([cell(k), cell(v)])),
    'figures',
  );
  const ruleRows = byRuleRows(report, lang);
  const rules = table(
    headerCells(byRuleHeader(lang), 1),
    ruleRows.map((r, i) =>
      row(
        r.map((v) => cell(v)),
        'td',
        i === ruleRows.length - 1 ? 'total' : undefined,
      ),
    ),
  );
  const vendorRows = byVendorRows(report, lang);
  const vendors = table(
    headerCells(byVendorHeader(lang), 1),
    vendorRows.map((r, i) =>
      row(
        r.map((v) => cell(v)),
        'td',
        i === vendorRows.length - 1 ? 'total' : undefined,
      ),
    ),
  );
  return `<section class="form"><h1>${escapeHtml(labels.summaryTitle)}</h1>${facts(report, lang)}
<h2>${escapeHtml(f.heading)}</h2>${figures}
<h2>${escapeHtml(labels.byRule.heading)}</h2>${rules}
<h2>${escapeHtml(labels.byVendor.heading)}</h2>${vendors}</section>`;
}

export function renderMonthlyReportHtml(report: MonthlyReport, lang: ReportLang = 'ja'): string {
  const labels = LABELS[lang];
  const title = `${labels.ledgerTitle} / ${labels.summaryTitle} ${report.month}`;
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${ledgerForm(report, lang)}
${summaryForm(report, lang)}
</body>
</html>
`;
}
