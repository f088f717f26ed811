// Structured logs (pino) on stderr, so that commands printing records on stdout stay pipeable.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', name = 'rmwatch'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
