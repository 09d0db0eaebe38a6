import type { MonitorReport } from './build-report.js';

const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4);
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.join(' ');
  return String(v);
};

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report as a readable summary: a drift/quality table per column, then model quality and fairness. */
export function renderReport(r: MonitorReport): string {
  const out: string[] = [];
  out.push(`reference ${r.reference_rows} rows, current ${r.current_rows} rows`);
  const d = r.dataset_drift;
  out.push(`dataset drift: ${d.dataset_drift ? 'YES' : 'no'} (${d.number_of_drifted_columns} of ${d.number_of_columns} columns drifted, share ${fmt(d.drift_share)}, threshold ${fmt(d.drift_share_threshold)})`, '');
  const cols = { ...r.columns, ...Object.fromEntries(Object.entries(r.prediction_drift).map(([k, v]) => [`${k} (prediction)`, v])) };
  out.push(
    table(
      ['column', 'kind', 'method', 'score', 'threshold', 'drift', 'ks_p_value', 'wasserstein_normed', 'chi2_p_value', 'psi', 'js_distance', 'missing', 'out_of_range', 'new_categories'],
      Object.entries(cols).map(([name, c]) => [
        name,
        fmt(c.kind),
        fmt(c.method),
        fmt(c.score),
        fmt(c.threshold),
        c.drift_detected === true ? 'DRIFT' : c.drift_detected === false ? 'ok' : '-',
        fmt(c.ks_p_value),
        fmt(c.wasserstein_normed),
        fmt(c.chi2_p_value),
        fmt(c.psi),
        fmt(c.js_distance),
        fmt(c.missing_share),
        fmt(c.out_of_range_share),
        fmt(c.new_categories),
      ]),
    ),
  );
  if (r.data_quality.schema_violations.length > 0) out.push('', 'schema violations:', ...r.data_quality.schema_violations.map((v) => `  ${v}`));
  if (r.model_quality) {
    const { task, estimated, ...m } = r.model_quality;
    out.push('', `model quality (${task}${estimated ? ', ESTIMATED from scores (CBPE), no actuals' : ''}):`);
    out.push(table(['metric', 'value'], Object.entries(m).map(([k, v]) => [k, fmt(v)])));
  }
  if (r.confusion_matrix) {
    const { labels, matrix } = r.confusion_matrix;
    out.push('', 'confusion matrix (rows actual, columns predicted):');
    out.push(table(['', ...labels.map(String)], matrix.map((row, i) => [String(labels[i]), ...row.map(String)])));
  }
  if (r.fairness) {
    const { sensitive, groups, ...f } = r.fairness;
    out.push('', `fairness over '${sensitive}':`);
    out.push(table(['metric', 'value'], Object.entries(f).map(([k, v]) => [k, fmt(v)])));
    const names = ['count', 'selection_rate', 'true_positive_rate', 'false_positive_rate', 'false_negative_rate'];
    out.push('', table(['group', ...names], Object.entries(groups).map(([g, m]) => [g, ...names.map((n) => fmt(m[n]))])));
  }
  if (r.warnings.length > 0) out.push('', 'warnings:', ...r.warnings.map((w) => `  ${w}`));
  return out.join('\n');
}
