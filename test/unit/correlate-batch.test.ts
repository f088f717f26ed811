// A Kafka batch is judged as a whole: what the correlator publishes for it is where the batch leaves things,
// never a finding it raised and took back before the batch was done.
import { describe, expect, it } from 'vitest';
import { cityRegistry, visit } from '../support/city.ts';
import { correlate, normalizeLines, type Outcome } from '../support/correlate.ts';
import { approvalsOf } from '../support/rule-cases.ts';
import { Scenario } from '../support/scenario.ts';

const DAY = '2026-11-24';
/** Yamada connects and goes on to the jump terminal, whose remote desktop he leaves disconnected at 09:10. */
const yamadaDisconnects = () =>
  new Scenario()
    .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
    .logon(`${DAY} 09:02`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x10' })
    .disconnect(`${DAY} 09:10`, 'JUMP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x10',
      from: '10.99.0.12',
    });
/** Yamada never heard of again after 09:10; Sato's visit a day later. */
const silentThenNextDay = () => {
  const s = yamadaDisconnects();
  return visit(s, {
    at: '2026-11-25 12:00',
    user: 'vnd_sato',
    from: '203.0.113.6',
    assigned: '10.99.0.13',
    logonId: '0x4b',
  });
};
const run = (batch?: number) =>
  correlate(silentThenNextDay().lines, {
    registry: cityRegistry(),
    approvals: approvalsOf(DAY),
    batch,
    finish: false,
  });
const states = (o: Outcome) =>
  o.written.map((f) => `${f.rule}${f.subject ? `:${f.subject}` : ''} ${f.status}`);
const final = (o: Outcome) => o.findings.map((f) => `${f.rule}${f.subject ? `:${f.subject}` : ''}`).sort();

describe('a batch of events', () => {
  it('publishes no finding that it raised and withdrew itself', () => {
    // In one batch, Sato's visit a day later first makes Yamada's open session look idle and overlong, then
    // closes it for silence at its last event, which ends both: nobody should hear of either.
    const whole = run(1000);
    expect(states(whole).filter((s) => s.endsWith('withdrawn'))).toEqual([]);
    expect(states(whole).sort()).toEqual(['idle_session:abandoned active', 'out_of_window active']);
  });

  it('ends where the same events one at a time end', () => {
    expect(final(run(1000))).toEqual(final(run()));
    expect(final(run(4))).toEqual(final(run()));
  });

  it('still withdraws a finding that an earlier batch published', () => {
    // Batch one: Yamada disconnects at 09:10, Sato's visit at 12:00 shows him idle since. Batch two: his
    // logon at 09:15 arrives late; he resumed in time, and whoever heard of the finding hears it withdrawn.
    const s = yamadaDisconnects();
    visit(s, {
      at: `${DAY} 12:00`,
      user: 'vnd_sato',
      from: '203.0.113.6',
      assigned: '10.99.0.13',
      logonId: '0x4b',
    });
    s.logon(`${DAY} 09:15`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x11' });
    const events = normalizeLines(s.lines).length;
    const o = correlate(s.lines, {
      registry: cityRegistry(),
      approvals: approvalsOf(DAY),
      batch: events - 1,
      finish: false,
    });
    expect(states(o).filter((x) => x.startsWith('idle_session'))).toEqual([
      'idle_session:disconnected:JUMP01.city.local active',
      'idle_session:disconnected:JUMP01.city.local withdrawn',
    ]);
  });
});
