// What the registry lacks that the correlator's judgements rest on, said in the log when it is missing and
// again when it comes. The end-to-end benchmark once ran with no jump terminal registered: every server
// logon the jump terminal relayed then carried the jump terminal's address as its source, joined one
// session that grew for as long as the load ran, and slowed the correlator to a crawl, with nothing in the
// log to say why.
import type { Logger } from '../../infra/logger.ts';
import type { RegistryView } from './registry-view.ts';

export type RegistryGapName = 'no_jump_terminal' | 'no_internal_network';

export interface RegistryGap {
  gap: RegistryGapName;
  /** What the correlator cannot judge, or judges worse, until the gap is filled. */
  consequence: string;
}

export function registryGaps(registry: RegistryView): RegistryGap[] {
  const gaps: RegistryGap[] = [];
  if (!registry.knowsJumpHosts)
    gaps.push({
      gap: 'no_jump_terminal',
      consequence:
        'server logons relayed by the jump terminal cannot be told from a vendor connecting directly: they ' +
        "join whichever session has the jump terminal's address as its source, and jump-host bypass cannot " +
        'be judged (register the jump terminal: `rmwatch registry load`)',
    });
  if (!registry.knowsNetworks)
    gaps.push({
      gap: 'no_internal_network',
      consequence:
        'every source address counts as possibly external, and addresses seen at the gateway are not checked ' +
        'against the registered sources (register the internal networks and VPN pools: `rmwatch registry load`)',
    });
  return gaps;
}

/**
 * Says each gap once when it opens and once when it closes; the registry is checked at every rebuild and
 * every change of it, which mostly changes nothing worth repeating.
 */
export function registryGapReporter(log: Logger): (registry: RegistryView) => void {
  let open = new Set<RegistryGapName>();
  return (registry) => {
    const now = registryGaps(registry);
    for (const g of now)
      if (!open.has(g.gap)) log.warn({ gap: g.gap }, `the registry is incomplete: ${g.consequence}`);
    const names = new Set(now.map((g) => g.gap));
    for (const gap of open) if (!names.has(gap)) log.info({ gap }, 'the registry gap is filled');
    open = names;
  };
}
