// What a rule is: a small pure check of one session against the approvals, the registry and the sessions
// around it. It says what is wrong (a violation); the engine turns violations into findings with
// deterministic ids, so a rule firing again on the same session updates one finding.
import type { Approval } from '../../model/approval.ts';
import type { RuleId, Severity } from '../../model/finding.ts';
import type { Session } from '../../model/session.ts';
import type { LedgerView } from '../correlate/ledger-view.ts';
import type { RegistryView } from '../correlate/registry-view.ts';
import type { RuleSettings } from '../correlate/settings.ts';

/** How the approvals stand to a session (cover.ts). */
export type Cover =
  | { kind: 'covered'; approval: Approval }
  | { kind: 'revoked'; approval: Approval }
  | { kind: 'not_approved'; approval: Approval }
  | { kind: 'outside_window'; approval: Approval }
  | { kind: 'none' };

export interface RuleContext {
  registry: RegistryView;
  ledger: LedgerView;
  settings: RuleSettings;
  cover: Cover;
  /** Event time the stage has reached (ms): what "still open" and "overdue" are measured against. */
  asOf: number;
  /**
   * How many other established sessions were running when this one started, and the `first` of them that
   * started earliest, in that order. Found in an index of running times, not by a look at every session in
   * memory; only the earliest are sorted, when asked for.
   */
  concurrent: (first: number) => { count: number; earliest: () => readonly Session[] };
  /**
   * Until when a session ran (ms): its end; for an open one, now (`asOf`), but no longer than the silence
   * a connected session is allowed — one gone quiet for a day stopped running, whether or not it was seen.
   */
  runningUntil: (session: Session) => number;
  /** Other sessions of the same accounts. */
  sameAccounts: () => readonly Session[];
}

export interface Violation {
  /** What within the session it concerns (an account, a host, a kind of transfer): one finding each. */
  subject?: string;
  severity?: Severity;
  evidence: string[];
  /** When the violation happened; default the first evidence event. */
  at?: string;
  account?: string;
  host?: string;
  message: string;
  message_en: string;
}

export interface Rule {
  id: RuleId;
  severity: Severity;
  check(session: Session, ctx: RuleContext): Violation[];
  /**
   * For rules that time alone can change (an open session crossing its window's end): the next instant
   * (ms) at which this rule could answer differently without any new event. The stage judges open
   * sessions again only when such an instant has passed.
   */
  nextChange?(session: Session, ctx: RuleContext): number | undefined;
}
