// Counters every stage keeps: what came in, what went out, what was refused and why.
export class Counters {
  private readonly values = new Map<string, number>();

  /**
   * @param declared counters that exist from the start at 0: a scraper sees the series before the first
   * dead letter, so a rate or an alert on it has something to compare against.
   */
  constructor(
    private readonly prefix: string,
    declared: readonly string[] = [],
  ) {
    for (const name of declared) this.values.set(name, 0);
  }

  inc(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Prometheus text exposition: `rmwatch_<prefix>_<name>_total`. */
  toPrometheus(): string {
    return [...this.values]
      .map(([name, value]) => {
        const metric = `rmwatch_${this.prefix}_${name}_total`.replace(/[^a-zA-Z0-9_]/g, '_');
        return `# TYPE ${metric} counter\n${metric} ${value}`;
      })
      .join('\n');
  }
}
