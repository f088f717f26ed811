// Printing the report page to PDF with the machine's headless Chromium (Debian's `chromium` package, driven
// by playwright-core; no browser is downloaded).
//   input:  a self-contained HTML page; the Chromium binary from `options.executablePath`, else the
//           environment's RMWATCH_CHROMIUM, else /usr/bin/chromium
//   output: the PDF bytes, A4, the page's own `@page` size and orientation honoured
//   errors: ChromiumMissingError when there is no such binary (with how to get one); a launch or print
//           failure is raised with the binary named
import { accessSync, constants } from 'node:fs';
import { chromium } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface PrintOptions {
  executablePath?: string;
  /** Upper bound for launching and printing; default 60 s. */
  timeoutMs?: number;
}

export class ChromiumMissingError extends Error {
  constructor(readonly executablePath: string) {
    super(
      `Chromium was not found at ${executablePath}: install the Debian package "chromium" ` +
        '(bash infra/prerequisites.sh) or set RMWATCH_CHROMIUM to the browser binary',
    );
    this.name = 'ChromiumMissingError';
  }
}

export function chromiumPath(options: PrintOptions = {}, env: NodeJS.ProcessEnv = process.env): string {
  return options.executablePath || env.RMWATCH_CHROMIUM || DEFAULT_CHROMIUM;
}

export async function printPdf(html: string, options: PrintOptions = {}): Promise<Buffer> {
  const executablePath = chromiumPath(options);
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(executablePath);
  }
  const timeout = options.timeoutMs ?? 60_000;
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, timeout });
  } catch (err) {
    throw new Error(`Chromium at ${executablePath} did not start: ${firstLine(err)}`, { cause: err });
  }
  try {
    const page = await browser.newPage();
    // The page loads nothing from outside: everything it needs is inline.
    await page.setContent(html, { waitUntil: 'load', timeout });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    return Buffer.from(pdf);
  } catch (err) {
    throw new Error(`printing the report with Chromium at ${executablePath} failed: ${firstLine(err)}`, {
      cause: err,
    });
  } finally {
    await browser.close().catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
