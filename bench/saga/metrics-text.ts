// Reads the few figures the saga benchmark needs from a Prometheus text exposition (the services'
// /metrics): histogram _sum/_count pairs, summed over the label sets that match.

/** A histogram's running totals. */
export interface HistogramTotals {
  sum: number;
  count: number;
}

/**
 * The _sum and _count of histogram `name`, added up over every label set whose labels include all of
 * `labels` (e.g. `{ method: 'GET' }`); zeros when the histogram is absent.
 */
export function histogramTotals(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): HistogramTotals {
  const out = { sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const kind = m[1] === `${name}_sum` ? 'sum' : m[1] === `${name}_count` ? 'count' : undefined;
    if (kind === undefined) continue;
    const have = parseLabels(m[2] ?? '');
    if (Object.entries(labels).some(([k, v]) => have[k] !== v)) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) out[kind] += value;
  }
  return out;
}

/** The labels of one sample, `{a="x",b="y"}` → { a: 'x', b: 'y' }. */
export function parseLabels(block: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of block.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  return labels;
}
