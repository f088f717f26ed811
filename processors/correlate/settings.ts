// Configuration of session stitching and the rules (`correlate` in rmwatch.yaml). Limits that the city
// sets per deployment (concurrent sessions, maximum minutes, idle minutes) come from the registry's
// `limits`; these are the engineering knobs and the rules' thresholds.
import { z } from 'zod';
import { RuleId, Severity } from '../../model/finding.ts';
import { SessionLayer } from '../../model/session.ts';

export const CorrelateSettings = z
  .object({
    /** How far behind the newest event another may arrive and still be stitched as if on time. */
    latenessSeconds: z.number().int().nonnegative().default(300),
    /**
     * How far devices' clocks may disagree: an event this much before a session's first one (a router's
     * local clock against Windows' UTC) still belongs to it.
     */
    clockSkewSeconds: z.number().int().nonnegative().default(300),
    /**
     * A session of failed attempts with no event for this long is closed (at its last event); so is a new
     * connection on a connected session's outermost layer after this much silence a new session.
     */
    inactivityMinutes: z.number().int().positive().default(60),
    /**
     * A connected session is silent by nature (Windows logs the logon and the logoff, nothing between), so
     * it is closed for silence only after this long: its end events were lost.
     */
    connectedTimeoutHours: z.number().positive().default(24),
    /** Events of a session's last moments (a gateway's disconnect after the VPN's) still join it this long after its end. */
    closingGraceSeconds: z.number().int().nonnegative().default(120),
    /** With no events for this long, the stage lets event time follow the wall clock (closing idle sessions). */
    quietSeconds: z.number().int().positive().default(30),
    /**
     * How often, in event time, open sessions are judged again for what time alone changes (a window's end
     * passing, an idle limit reached) and silent ones closed.
     */
    sweepSeconds: z.number().int().positive().default(60),
    /**
     * Timeline entries kept per session; connection, end and failure events up to twice as many. Past that
     * they are counted (`truncated`). At the default a session record stays well inside Kafka's 1 MB.
     */
    timelineLimit: z.number().int().positive().max(1000).default(1000),
    /**
     * The broker holds a fetch of events until this many bytes are there, or `maxWaitMs` passed. The
     * correlator's work per batch is large beside its work per event (every session a batch touches is
     * judged and written again), so a few events a batch cost several times what hundreds do; a quiet
     * stream waits at most `maxWaitMs` for its batch.
     */
    batch: z
      .object({
        minFetchBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024),
        maxWaitMs: z.number().int().positive().default(250),
        /**
         * At most this many bytes a fetch, all partitions together: the partitions of a fetch are judged as
         * one batch, and its judgement holds the event loop. Without a bound, a backlog of 6 partitions
         * came as 6 MiB of events at once, whose judgement and write outlasted the group's session on a loaded
         * machine: the member was dropped and the batch judged again (three times in a 5-minute run).
         */
        maxFetchBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /**
         * …and at most this many of one partition, so that a backlog is read from every partition alike. The
         * broker fills a fetch from its partitions in the order asked; with only the bound above, the first
         * partitions of a backlog can take every fetch and the others fall behind. Events then come out of
         * order by that much, and each session that comes late makes every session started after it be
         * judged again (how many ran at once changed for them): in the correlator's core, one partition 30 s
         * behind the others cut its rate to a quarter. 6 partitions of 160 KiB fill the fetch.
         */
        maxFetchBytesPerPartition: z
          .number()
          .int()
          .positive()
          .default(160 * 1024),
      })
      .strict()
      .default(() => ({
        minFetchBytes: 256 * 1024,
        maxWaitMs: 250,
        maxFetchBytes: 1024 * 1024,
        maxFetchBytesPerPartition: 160 * 1024,
      })),
    /** The layers every session should show; a session missing one below its deepest layer has a coverage gap. */
    expectedLayers: z.array(SessionLayer).default(['vpn', 'gateway', 'jump']),
    rules: z
      .object({
        /** Per rule: `false` turns it off. */
        enabled: z.partialRecord(RuleId, z.boolean()).default({}),
        severity: z.partialRecord(RuleId, Severity).default({}),
        /** Minutes a session may start before or after its window and still count as inside it. */
        windowGraceMinutes: z.number().int().nonnegative().default(0),
        /** Upload (client → city) through the gateway or VPN above this many bytes is a file transfer. */
        uploadBytes: z
          .number()
          .int()
          .positive()
          .default(50 * 1024 * 1024),
        authFailureThreshold: z.number().int().positive().default(5),
        authFailureWindowMinutes: z.number().int().positive().default(10),
        /** Used when the registry sets no limits. */
        maxConcurrentSessions: z.number().int().positive().default(2),
        maxSessionMinutes: z.number().int().positive().default(480),
        idleMinutes: z.number().int().positive().default(30),
        /** A finished session's work report is due this long after its end. */
        reportDueHours: z.number().nonnegative().default(72),
        /** Reported and observed start/end may differ this much. */
        reportToleranceMinutes: z.number().int().nonnegative().default(15),
      })
      .strict()
      .default(() => RuleSettingsDefaults()),
  })
  .strict();
export type CorrelateSettings = z.infer<typeof CorrelateSettings>;
export type RuleSettings = CorrelateSettings['rules'];

function RuleSettingsDefaults(): RuleSettings {
  return {
    enabled: {},
    severity: {},
    windowGraceMinutes: 0,
    uploadBytes: 50 * 1024 * 1024,
    authFailureThreshold: 5,
    authFailureWindowMinutes: 10,
    maxConcurrentSessions: 2,
    maxSessionMinutes: 480,
    idleMinutes: 30,
    reportDueHours: 72,
    reportToleranceMinutes: 15,
  };
}

export function defaultCorrelateSettings(): CorrelateSettings {
  return CorrelateSettings.parse({});
}
