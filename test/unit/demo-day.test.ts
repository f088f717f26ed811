// The demo's working day, read by the real normaliser, stitcher and rules (offline): it must show a newcomer
// each kind of violation exactly once, on sessions of all four vendors, with lines in the real formats.
import { describe, expect, it } from 'vitest';
import { parseApprovalsFile } from '../../collectors/ledger/approvals-input.ts';
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import { dayLines, demoDay } from '../../infra/demo/day.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { correlate } from '../support/correlate.ts';

const day = demoDay('2026-11-24');
const registry = parseRegistryYaml(day.registryYaml);
const approvals = parseApprovalsFile(Buffer.from(day.approvalsCsv), 'csv', {
  timezone: 'Asia/Tokyo',
  registry: registry.records,
  now: new Date(0),
});
// Work reports are due 72 hours after a session; the demo is over long before, so none is treated as due.
const outcome = () =>
  correlate(dayLines(day), { registry: registry.records, approvals: approvals.approvals, finish: false });

describe('the demo day', () => {
  it('has a registry and an approvals ledger the import commands accept whole', () => {
    expect(registry.errors).toEqual([]);
    expect(approvals.errors).toEqual([]);
    expect(approvals.approvals.map((a) => a.id).sort()).toEqual(day.expected.approvals);
    expect(approvals.approvals.every((a) => a.status === 'approved')).toBe(true);
  });

  it('keeps the Japanese names intact in the ledger', () => {
    const r01 = approvals.approvals.find((a) => a.id === 'R-01');
    expect(r01?.operators[0]?.name).toBe('山田太郎');
    expect(r01?.purpose).toBe('住民基本台帳システム 障害対応');
  });

  it('plays its lines in the order the devices logged them, all on the day, in Japan time', () => {
    const times = day.steps.map((s) => (s.kind === 'line' ? s.line.at : s.bad.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const start = Date.parse('2026-11-24T00:00:00+09:00');
    expect(Math.min(...times)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...times)).toBeLessThan(start + 24 * 3600_000);
  });

  it('speaks every device format of the city: Cisco ASA and Yamaha RTX syslog, RD Gateway and Windows events', () => {
    const lines = dayLines(day);
    expect(lines.some((l) => l.text.includes('%ASA-'))).toBe(true);
    expect(lines.some((l) => l.text.includes('[L2TP]'))).toBe(true);
    expect(lines.some((l) => l.text.includes('TerminalServices-Gateway'))).toBe(true);
    expect(lines.some((l) => l.device.startsWith('JUMP01'))).toBe(true);
  });

  it('stitches the sessions each vendor had', () => {
    const perVendor: Record<string, number> = {};
    for (const s of outcome().sessions) perVendor[s.vendor ?? '?'] = (perVendor[s.vendor ?? '?'] ?? 0) + 1;
    expect(perVendor).toEqual(day.expected.sessions);
  });

  it('raises exactly one finding of each expected rule and nothing else', () => {
    const counts: Record<string, number> = {};
    for (const f of outcome().findings) counts[f.rule] = (counts[f.rule] ?? 0) + 1;
    expect(counts).toEqual(day.expected.findings);
  });

  it('pins each violation on the vendor that did it', () => {
    const vendorOf = Object.fromEntries(outcome().findings.map((f) => [f.rule, f.vendor]));
    expect(vendorOf).toEqual({
      out_of_window: 'vendor-a',
      file_transfer: 'vendor-b',
      jump_host_bypass: 'vendor-c',
      shared_account: 'vendor-a',
      frozen_vendor: 'vendor-d',
    });
  });

  it('sends bad lines that no parser reads, so the dead letters have something to show', () => {
    const normalizer = new Normalizer();
    const bad = day.steps.flatMap((s) => (s.kind === 'bad' ? [s.bad] : []));
    expect(bad).toHaveLength(day.expected.deadLetters);
    for (const b of bad) {
      const result = normalizer.normalize({
        bytes: b.bytes,
        meta: {
          received_at: new Date(b.at).toISOString(),
          peer: '192.0.2.200',
          transport: 'udp',
          charset: 'utf-8',
          format: 'syslog',
          timezone: 'Asia/Tokyo',
        },
      });
      expect(result.ok, b.why).toBe(false);
    }
  });

  it('is the same day every time it is built', () => {
    const again = demoDay('2026-11-24');
    expect(dayLines(again).map((l) => l.text)).toEqual(dayLines(day).map((l) => l.text));
  });
});
