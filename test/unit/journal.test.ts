import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, JournalSettings, type JournalEntry } from '../../collectors/journal.ts';
import { createLogger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';

const log = createLogger('silent');
const entry = (i: number): JournalEntry => ({
  topic: 'rm.raw.syslog',
  record: {
    key: '192.0.2.1',
    value: Buffer.from(`<134>line ${i} 保守`),
    headers: { 'rm-peer': '192.0.2.1' },
  },
});
const journal = (overrides: Partial<JournalSettings> = {}) => {
  const counters = new Counters('test');
  const settings = JournalSettings.parse({ dir: mkdtempSync(join(tmpdir(), 'journal-')), ...overrides });
  return { j: new Journal(settings, log, counters), counters, settings };
};
const lines = (entries: JournalEntry[]) => entries.map((e) => (e.record.value as Buffer).toString());

describe('disk journal', () => {
  it('replays records oldest first, with keys, headers and bytes intact', async () => {
    const { j } = journal({ segmentBytes: 200 });
    for (let i = 0; i < 20; i++) j.append([entry(i)]);
    const sent: JournalEntry[] = [];
    expect(await j.drain(async (es) => void sent.push(...es))).toBe(20);
    expect(lines(sent)).toEqual(Array.from({ length: 20 }, (_, i) => `<134>line ${i} 保守`));
    expect(sent[0]?.record.headers).toEqual({ 'rm-peer': '192.0.2.1' });
    expect(j.isEmpty).toBe(true);
  });

  it('a failed replay keeps every record for the next attempt', async () => {
    const { j } = journal({ segmentBytes: 200 });
    for (let i = 0; i < 10; i++) j.append([entry(i)]);
    let calls = 0;
    await expect(
      j.drain(async () => {
        if (++calls === 2) throw new Error('Kafka down again');
      }),
    ).rejects.toThrow('Kafka down again');
    const rest: JournalEntry[] = [];
    await j.drain(async (es) => void rest.push(...es));
    // The first segment went through; the second one failed and comes again, whole.
    expect(lines(rest)[0]).not.toBe('<134>line 0 保守');
    expect(lines(rest).at(-1)).toBe('<134>line 9 保守');
  });

  it('survives a restart: a new journal on the same folder replays what the old one held', async () => {
    const { j, settings } = journal();
    j.append([entry(1), entry(2)]);
    const reopened = new Journal(settings, log, new Counters('test'));
    const sent: JournalEntry[] = [];
    await reopened.drain(async (es) => void sent.push(...es));
    expect(lines(sent)).toEqual(['<134>line 1 保守', '<134>line 2 保守']);
  });

  it('when full, drop-oldest drops the oldest segment and counts what it dropped', async () => {
    const { j, counters } = journal({ segmentBytes: 150, maxBytes: 400 });
    for (let i = 0; i < 12; i++) j.append([entry(i)]);
    expect(j.bytes).toBeLessThanOrEqual(400);
    const sent: JournalEntry[] = [];
    await j.drain(async (es) => void sent.push(...es));
    expect(lines(sent).at(-1)).toBe('<134>line 11 保守');
    expect(counters.get('journal_dropped') + sent.length).toBe(12);
    expect(counters.get('journal_dropped')).toBeGreaterThan(0);
  });

  it('when full, drop-newest keeps the old records and counts the refused ones', async () => {
    const { j, counters, settings } = journal({ segmentBytes: 150, maxBytes: 400, whenFull: 'drop-newest' });
    for (let i = 0; i < 12; i++) j.append([entry(i)]);
    const sent: JournalEntry[] = [];
    await j.drain(async (es) => void sent.push(...es));
    expect(lines(sent)[0]).toBe('<134>line 0 保守');
    expect(counters.get('journal_dropped') + sent.length).toBe(12);
    expect(readdirSync(settings.dir)).toEqual([]);
  });
});
