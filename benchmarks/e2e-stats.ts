// The arithmetic of the end-to-end benchmark: percentiles of latencies (with markers never seen counted as
// slower than anything seen) and the trend of a series (memory over a soak, documents over a run).

/** The q-quantile (0..1) by nearest rank; `Infinity` stands for a marker that never became searchable. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

export interface Point {
  /** Seconds since the start of the series. */
  t: number;
  value: number;
}

/** Least-squares slope of value over t (value units per second); 0 for fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanT = points.reduce((s, p) => s + p.t, 0) / n;
  const meanV = points.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - meanT) * (p.value - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface Trend {
  /** Bytes per hour, from the least-squares line. */
  slopePerHour: number;
  /** What the line grows over the whole series, as a share of the series' mean. */
  growthShare: number;
  flat: boolean;
}

/**
 * Whether a memory series is flat: the fitted line grows less than 5% of the mean over the series, or less
 * than 8 MiB (a garbage-collected heap breathes by more than that without leaking).
 */
export function memoryTrend(points: readonly Point[]): Trend {
  const perSecond = slope(points);
  const span = points.length > 0 ? (points.at(-1) as Point).t - (points[0] as Point).t : 0;
  const mean = points.reduce((s, p) => s + p.value, 0) / Math.max(1, points.length);
  const growth = perSecond * span;
  const growthShare = mean > 0 ? growth / mean : 0;
  return { slopePerHour: perSecond * 3600, growthShare, flat: growthShare < 0.05 || growth < 8 * 2 ** 20 };
}
