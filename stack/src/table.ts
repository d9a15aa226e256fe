// Plain-text tables for `up` and `status` output.
import type { Component } from './config';

/** Renders rows under a header as aligned columns separated by " | ". */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/** One row of the `up`/`status` table. */
export interface ComponentStatus {
  readonly component: Component;
  readonly healthy: boolean;
  readonly status: string;
  readonly address: string;
  readonly pid: string;
  readonly log: string;
}

/** Renders component statuses as the table `up` and `status` print. */
export function statusTable(rows: readonly ComponentStatus[]): string {
  return renderTable(
    ['component', 'status', 'address', 'pid', 'log'],
    rows.map((r) => [r.component, r.status, r.address, r.pid, r.log]),
  );
}
