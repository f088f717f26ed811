// Every rule's scenario and its twin, all in one stream (a day each), as the pipeline would see them: the
// verdicts do not depend on whether the routers' lines or the Windows events arrive first.
import { describe, expect, it } from 'vitest';
import { cityRegistry, REGISTRY_YAML } from '../support/city.ts';
import { correlate } from '../support/correlate.ts';
import { approvalsOf, CASES, dayOf } from '../support/rule-cases.ts';
import { Scenario, type RawLine } from '../support/scenario.ts';
import { tokyoDay } from '../../model/tokyo-time.ts';

const registry = cityRegistry(
  REGISTRY_YAML.replace(
    '{ id: vendor-b, name: 北見システム株式会社, frozen: false,',
    `{ id: vendor-b, name: 北見システム株式会社, frozen: true, frozen_since: "${dayOf(CASES.length - 1)}T00:00:00Z",`,
  ),
);
const approvals = CASES.flatMap((c, i) => approvalsOf(dayOf(i), c.report !== false));
const lines = CASES.flatMap((c, i) => {
  const s = new Scenario();
  c.build(dayOf(i), s);
  return s.lines;
});

function verdicts(order: readonly RawLine[], latenessSeconds: number) {
  const o = correlate(order, { registry, approvals, settings: { latenessSeconds } });
  const day = new Map(o.sessions.map((s) => [s.id, tokyoDay(s.start)]));
  const got = new Set(
    o.findings.map((f) => `${day.get(f.session_id)} ${f.rule}${f.subject ? `:${f.subject}` : ''}`),
  );
  return CASES.map((c, i) => ({ case: `${c.rule} — ${c.name}`, fires: got.has(`${dayOf(i)} ${c.rule}`) }));
}
const expected = CASES.map((c) => ({ case: `${c.rule} — ${c.name}`, fires: c.fires }));
const windows = lines.filter((l) => l.format === 'evtxml');
const syslog = lines.filter((l) => l.format === 'syslog');
const MONTHS = 60 * 86_400;

describe('every rule and its near-miss twin in one stream', () => {
  it('in the order things happened', () => expect(verdicts(lines, 300)).toEqual(expected));
  it("with every Windows event before the routers' lines", () =>
    expect(verdicts([...windows, ...syslog], MONTHS)).toEqual(expected));
  it('with every router line before the Windows events', () =>
    expect(verdicts([...syslog, ...windows], MONTHS)).toEqual(expected));
});

describe('…and as Kafka hands them over', () => {
  it("with each account's events together, one account after another (whole partitions at a time)", () => {
    const byAccount = new Map<string, RawLine[]>();
    for (const l of lines) {
      const account = /(vnd_\w+|hoshu|Administrator)/.exec(l.text)?.[1] ?? '-';
      byAccount.set(account, [...(byAccount.get(account) ?? []), l]);
    }
    const grouped = [...byAccount.keys()]
      .sort()
      .reverse()
      .flatMap((k) => byAccount.get(k) ?? []);
    expect(verdicts(grouped, MONTHS)).toEqual(expected);
  });
});
