// A stage told to stop exits: in order when it can, else after its deadline, saying what held it.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchStop } from '../../cli/stop-deadline.ts';

let lines: Array<{ level: number; msg: string; step?: string; ms?: number; open?: string[] }>;
let exits: number[];

const logger = () =>
  pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as never) });
const watch = () =>
  watchStop(logger(), {
    stopMs: 12_000,
    lingerMs: 2_000,
    exit: (code) => void exits.push(code),
    openResources: () => ['TCPSocketWrap', 'Timeout'],
  });

beforeEach(() => {
  lines = [];
  exits = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  process.exitCode = undefined;
});

describe('a stage told to stop', () => {
  it('whose stop ends in time and leaves nothing open exits by itself, without being made to', () => {
    const stopping = watch();
    stopping.step('closing the Kafka client');
    vi.advanceTimersByTime(11_000);
    stopping.done();
    // Both timers are unreferenced: an empty event loop ends the process before either fires.
    expect(vi.getTimerCount()).toBe(1);
    expect(exits).toEqual([]);
    expect(lines).toMatchObject([
      { level: 30, msg: 'stopping: closing the Kafka client', ms: 0 },
      { level: 30, msg: 'stopped', ms: 11_000 },
    ]);
  });

  it('whose stop step never ends exits with 1 at the deadline, naming the step and what is open', () => {
    const stopping = watch();
    stopping.step('closing the Kafka client');
    vi.advanceTimersByTime(11_999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(lines).toMatchObject([
      { level: 30, msg: 'stopping: closing the Kafka client', ms: 0 },
      { level: 50, step: 'closing the Kafka client', open: ['TCPSocketWrap', 'Timeout'] },
    ]);
    expect(lines[1]?.msg).toContain('did not stop within 12 s');
  });

  it('that stopped but is held by a handle left open exits a little later, with its own exit code', () => {
    const stopping = watch();
    stopping.done();
    process.exitCode = 3;
    vi.advanceTimersByTime(12_000);
    expect(exits).toEqual([3]);
    expect(lines).toMatchObject([
      { level: 30, msg: 'stopped', ms: 0 },
      { level: 40, open: ['TCPSocketWrap', 'Timeout'] },
    ]);
  });
});
