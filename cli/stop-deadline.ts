// A stage stops in order (stops taking input, hands on what it holds, closes its clients) and then exits. Two
// things can keep its process alive after SIGTERM all the same: a step that never finishes, and a socket or
// timer some client library left open. Its supervisor (systemd, `rmwatch start`, an operator's `kill`) would
// wait for an exit that does not come and kill it at last without a word of why; the stage says what it was
// waiting on and exits by itself instead.
import type { Logger } from '../infra/logger.ts';

export interface StopWatch {
  /** Names the step the stop is in, for the message if it never ends. */
  step(name: string): void;
  /** The orderly stop is over: exit once the event loop is empty, or after `lingerMs` whatever holds it. */
  done(): void;
}

export interface StopDeadlines {
  /** How long the orderly stop may take; past it the stage exits with code 1. */
  stopMs: number;
  /** How long a stopped stage waits for open handles to go before it exits anyway. */
  lingerMs: number;
  exit?: (code: number) => void;
  openResources?: () => string[];
}

export function watchStop(log: Logger, deadlines: StopDeadlines): StopWatch {
  const exit = deadlines.exit ?? ((code: number) => process.exit(code));
  const openResources = deadlines.openResources ?? (() => process.getActiveResourcesInfo());
  const began = Date.now();
  let step = 'stopping';
  // Unreferenced: they end a process that would otherwise not end, and never keep one alive.
  const overdue = setTimeout(() => {
    log.error(
      { step, open: openResources() },
      `the stage did not stop within ${deadlines.stopMs / 1000} s; exiting anyway`,
    );
    exit(1);
  }, deadlines.stopMs);
  overdue.unref();
  return {
    step(name) {
      step = name;
      // Each step on its own line: a stop that is slow says where its time went.
      log.info({ step, ms: Date.now() - began }, `stopping: ${name}`);
    },
    done() {
      clearTimeout(overdue);
      log.info({ ms: Date.now() - began }, 'stopped');
      setTimeout(() => {
        log.warn({ open: openResources() }, 'stopped, but something still holds the process; exiting');
        exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      }, deadlines.lingerMs).unref();
    },
  };
}
