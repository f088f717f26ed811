// A progress bar on stderr, without a dependency: one line redrawn in place on a terminal; on anything else
// (a log file, a test) a line every tenth of the way, so the output stays readable.
import { tokyoWallClock } from '../../model/tokyo-time.ts';

export interface Progress {
  tick(by: number, what: string, at: number): void;
  done(summary: string): void;
}

const tokyoClock = (ms: number) => tokyoWallClock(ms).slice(11, 16);

export function progressBar(
  total: number,
  out: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
  width = 30,
): Progress {
  let count = 0;
  let lastTenth = -1;
  const line = (what: string, at: number) => {
    const filled = Math.round((count / Math.max(total, 1)) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(count).padStart(String(total).length)}/${total} ${tokyoClock(at)} JST ${what}`;
  };
  return {
    tick(by, what, at) {
      count = Math.min(total, count + by);
      if (out.isTTY) out.write(`\r\x1b[2K${line(what, at)}`);
      else {
        const tenth = Math.floor((count / Math.max(total, 1)) * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          out.write(`${line(what, at)}\n`);
        }
      }
    },
    done(summary) {
      out.write(`${out.isTTY ? '\r\x1b[2K' : ''}${summary}\n`);
    },
  };
}
