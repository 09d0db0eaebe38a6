import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { DatasetVersion } from '@flywheel/contract';
import type { EChartsOption } from 'echarts';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useCanWrite } from '../../api/session';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { LineChart, PALETTE, type LineSeries } from '../../components/line-chart';
import { EChart } from '../../components/echart';
import { OpsAsync, Refusal, duration, fmt, pct } from '../../components/ops-common';
import type { Prediction } from '../deployments/types';
import { categoricalBars, columnValues, numericBars, numericBarsOfSamples, topOf, type Bars } from './histograms';
import { latestBy, metricPoints, type MetricPoint, type Monitor } from './types';

const RANGES = [
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
  { label: 'Last 30 days', ms: 30 * 86_400_000 },
];
const CLASSIFICATION = ['accuracy', 'f1', 'precision', 'recall', 'roc_auc', 'log_loss'];
const REGRESSION = ['mae', 'rmse', 'r2', 'mape', 'mean_error'];

interface Range {
  since: number;
  until: number;
  /** Bumped by "evaluate now": every panel reloads. */
  tick: number;
}

/** A monitor: quality over time per variant, drift per feature with histograms, data quality, fairness. */
export function MonitorPage() {
  const id = useParams().id!;
  const canWrite = useCanWrite();
  const state = useApi((signal) => api.get<Monitor>(`/api/v1/monitors/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const [rangeMs, setRangeMs] = useState(RANGES[1]!.ms);
  const [tick, setTick] = useState(0);
  // The range's end is fixed when it is chosen (or on evaluate), so every panel asks for the same window.
  const range = useMemo<Range>(() => {
    const until = Date.now() + 1;
    return { since: until - rangeMs, until, tick };
  }, [rangeMs, tick]);
  const [evaluating, setEvaluating] = useState(false);
  const [evalError, setEvalError] = useState<unknown>(null);
  const [evalDone, setEvalDone] = useState<string | null>(null);

  const evaluate = async (m: Monitor) => {
    setEvaluating(true);
    setEvalError(null);
    setEvalDone(null);
    try {
      const until = Date.now();
      const r = await api.post<{ points: number; overall: { current_rows?: number } | null }>(`/api/v1/monitors/${encodeURIComponent(m.id)}/evaluate`, { since: until - m.windowMs, until });
      setEvalDone(r.overall ? `Evaluated the last ${duration(m.windowMs)}: ${r.overall.current_rows ?? 0} rows, ${r.points} points written.` : `No logged traffic in the last ${duration(m.windowMs)}.`);
      setTick((t) => t + 1);
    } catch (e) {
      setEvalError(e);
    } finally {
      setEvaluating(false);
    }
  };

  return (
    <Page title={state.data?.name ?? 'Monitor'} subtitle={state.data ? <>Watches deployment <Link to={`/deployments/${encodeURIComponent(state.data.deployment)}`}>{state.data.deployment}</Link>, window {duration(state.data.windowMs)}</> : undefined}>
      <p>
        <Link to="/monitoring/monitors">← All monitors</Link>
      </p>
      <OpsAsync state={state} what="the monitor">
        {(m) => (
          <>
            <Panel
              title="Definition"
              actions={
                <div className="actions">
                  <label className="ops-inline-label">
                    Range
                    <select value={rangeMs} onChange={(e) => setRangeMs(Number(e.target.value))}>
                      {RANGES.map((r) => (
                        <option key={r.ms} value={r.ms}>
                          {r.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  {canWrite && (
                    <button type="button" className="primary" disabled={evaluating} onClick={() => void evaluate(m)}>
                      {evaluating ? 'Evaluating…' : 'Evaluate the last window now'}
                    </button>
                  )}
                </div>
              }
            >
              <dl className="facts">
                <dt>Reference</dt>
                <dd>
                  {'dataset' in m.reference ? (
                    <Link to={`/datasets/${encodeURIComponent(m.reference.dataset)}`}>
                      dataset {m.reference.dataset} v{m.reference.version}
                    </Link>
                  ) : (
                    <>
                      traffic from <When at={m.reference.since} /> to <When at={m.reference.until} />
                    </>
                  )}
                </dd>
                <dt>Features</dt>
                <dd>{m.features?.join(', ') ?? `every input column the reference has (${Object.values(m.inputs).flat().join(', ') || 'as logged'})`}</dd>
                <dt>Model output</dt>
                <dd>
                  {m.score ? `score: ${m.score.output}[${m.score.index ?? 0}]` : m.prediction ? `prediction: ${m.prediction.output}[${m.prediction.index ?? 0}]` : 'the first output'}
                  {m.task ? ` · ${m.task}` : ''}
                </dd>
                <dt>Sensitive attribute</dt>
                <dd>{m.sensitive ?? <span className="muted">none (no fairness figures)</span>}</dd>
                <dt>Revision</dt>
                <dd>
                  {m.revision}, created <When at={m.createdAt} /> by {m.createdBy ?? 'unknown'}
                </dd>
              </dl>
              {evalError !== null && <Refusal error={evalError} title="Evaluation failed:" />}
              {evalDone && (
                <p className="ops-ok" role="status">
                  {evalDone}
                </p>
              )}
            </Panel>
            <QualityPanel monitor={m} range={range} />
            <DriftPanel monitor={m} range={range} />
            <div className="grid-2">
              <DataQualityPanel monitor={m} range={range} />
              <FairnessPanel monitor={m} range={range} />
            </div>
          </>
        )}
      </OpsAsync>
    </Page>
  );
}

/** p-values get tiny: those are shown in scientific notation rather than as 0. */
const sci = (v: number | undefined | null, digits = 4) => (v !== undefined && v !== null && v !== 0 && Math.abs(v) < 10 ** -digits ? v.toExponential(2) : fmt(v ?? null, digits));

/**
 * A line chart once there are two windows; before that, the single window's figures (a time axis
 * around one point would span years).
 */
function SeriesOrFigures({ series, label, yLabel }: { series: LineSeries[]; label: string; yLabel: string }) {
  if (series.some((s) => s.x.length > 1)) return <LineChart series={series} xTime xLabel="window end" yLabel={yLabel} height={220} label={label} />;
  return (
    <table className="simple ops-figures" aria-label={label}>
      <tbody>
        {series.map((s) => (
          <tr key={s.label}>
            <th scope="row">{s.label}</th>
            <td className="num">{sci(s.y[0])}</td>
            <td className="muted">
              window ending <When at={(s.x[0] ?? 0) * 1000} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Series per variant (null variant = all traffic) of one metric's points. */
function byVariant(points: MetricPoint[]): LineSeries[] {
  const groups = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const k = p.variant ?? 'all traffic';
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === 'all traffic' ? -1 : b === 'all traffic' ? 1 : a.localeCompare(b)))
    .map(([label, ps]) => ({ label, x: ps.map((p) => p.windowEnd / 1000), y: ps.map((p) => p.value) }));
}

function QualityPanel({ monitor, range }: { monitor: Monitor; range: Range }) {
  const choices = monitor.task === 'regression' ? REGRESSION : monitor.task === 'classification' ? CLASSIFICATION : [...CLASSIFICATION, ...REGRESSION];
  const [metric, setMetric] = useState(choices[0]!);
  const state = useApi(
    async (signal) => {
      const [quality, rows] = await Promise.all([
        metricPoints(monitor.id, metric, { column: null, group: null, since: range.since, until: range.until }, signal),
        metricPoints(monitor.id, 'row_count', { column: null, group: null, since: range.since, until: range.until }, signal),
      ]);
      return { quality, rows };
    },
    [monitor.id, metric, range],
  );
  return (
    <Panel
      title="Quality over time, per variant"
      actions={
        <label className="ops-inline-label">
          Metric
          <select value={metric} onChange={(e) => setMetric(e.target.value)}>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <OpsAsync state={state} what="quality">
        {({ quality, rows }) =>
          rows.length === 0 ? (
            <Empty title="No evaluated window in this range">
              The scheduler evaluates each closed window (every {duration(monitor.windowMs)}); press &quot;Evaluate the last window now&quot; to see figures at once.
            </Empty>
          ) : (
            <div className="ops-chart-grid">
              <div>
                <h3 className="ops-chart-title">
                  {metric}
                  {quality.some((p) => p.estimated) && (
                    <>
                      {' '}
                      <Badge tone="warn">includes estimates (CBPE, no actuals yet)</Badge>
                    </>
                  )}
                </h3>
                {quality.length ? (
                  <SeriesOrFigures series={byVariant(quality)} yLabel={metric} label={`${metric} per window and variant`} />
                ) : (
                  <p className="muted">No {metric} yet: it needs actuals (labels) or a score output for an estimate.</p>
                )}
              </div>
              <div>
                <h3 className="ops-chart-title">Rows per window</h3>
                <SeriesOrFigures series={byVariant(rows)} yLabel="rows" label="Rows evaluated per window and variant" />
              </div>
            </div>
          )
        }
      </OpsAsync>
    </Panel>
  );
}

const DRIFT_METRICS = ['score', 'threshold', 'drift_detected', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'psi', 'js_distance', 'chi2_statistic', 'chi2_p_value'] as const;
type DriftRow = { column: string; windowStart: number; windowEnd: number; sampleSize: number; values: Partial<Record<(typeof DRIFT_METRICS)[number], number>> };

/** Which test decided: the configured method, else the statistic whose value is the decision's score. */
function methodOf(m: Monitor, r: DriftRow): { method: string; statistic: string; value: number | undefined } {
  const v = r.values;
  const configured = m.drift[r.column]?.method;
  const same = (x: number | undefined) => x !== undefined && v.score !== undefined && Math.abs(x - v.score) <= 1e-12 * Math.max(1, Math.abs(x));
  const method = configured ?? (same(v.chi2_p_value) ? 'chisquare' : same(v.ks_p_value) ? 'ks' : same(v.wasserstein_normed) ? 'wasserstein' : same(v.psi) ? 'psi' : same(v.js_distance) ? 'jensenshannon' : '—');
  switch (method) {
    case 'ks':
      return { method: 'Kolmogorov–Smirnov (p-value)', statistic: `D = ${fmt(v.ks_statistic, 4)}`, value: v.ks_statistic };
    case 'chisquare':
      return { method: 'chi-square (p-value)', statistic: `χ² = ${fmt(v.chi2_statistic, 3)}`, value: v.chi2_statistic };
    case 'wasserstein':
      return { method: 'Wasserstein (normed)', statistic: `W = ${fmt(v.wasserstein_normed, 4)}`, value: v.wasserstein_normed };
    case 'psi':
      return { method: 'PSI', statistic: `PSI = ${fmt(v.psi, 4)}`, value: v.psi };
    case 'jensenshannon':
      return { method: 'Jensen–Shannon', statistic: `JS = ${fmt(v.js_distance, 4)}`, value: v.js_distance };
    default:
      return { method: '—', statistic: '—', value: undefined };
  }
}

function DriftPanel({ monitor, range }: { monitor: Monitor; range: Range }) {
  const [selected, setSelected] = useState<string | null>(null);
  const state = useApi(
    async (signal) => {
      const all = await Promise.all(DRIFT_METRICS.map((metric) => metricPoints(monitor.id, metric, { variant: null, group: null, since: range.since, until: range.until }, signal)));
      const rows = new Map<string, DriftRow>();
      const latestWindow = Math.max(0, ...all.flat().map((p) => p.windowEnd));
      DRIFT_METRICS.forEach((metric, i) => {
        for (const p of latestBy(all[i]!.filter((p) => p.column !== null), (p) => p.column!).values()) {
          if (p.windowEnd !== latestWindow) continue;
          const r = rows.get(p.column!) ?? { column: p.column!, windowStart: p.windowStart, windowEnd: p.windowEnd, sampleSize: p.sampleSize, values: {} };
          r.values[metric] = p.value;
          rows.set(p.column!, r);
        }
      });
      return { rows: [...rows.values()].sort((a, b) => (b.values.drift_detected ?? 0) - (a.values.drift_detected ?? 0) || a.column.localeCompare(b.column)), history: all[0]!.filter((p) => p.column !== null) };
    },
    [monitor.id, range],
  );
  return (
    <Panel title="Drift per feature (latest window, all traffic)">
      <OpsAsync state={state} what="drift">
        {({ rows, history }) => {
          if (rows.length === 0) return <p className="muted">No drift figures in this range yet.</p>;
          const current = selected ?? rows[0]!.column;
          const row = rows.find((r) => r.column === current);
          return (
            <>
              <p className="muted">
                Window ending <When at={rows[0]!.windowEnd} />. {rows.filter((r) => r.values.drift_detected === 1).length} of {rows.length} columns drifted. Choose a column to compare its distributions.
              </p>
              <table className="simple ops-drift-table">
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col">Test</th>
                    <th scope="col" className="num">Statistic</th>
                    <th scope="col" className="num">Score</th>
                    <th scope="col" className="num">Threshold</th>
                    <th scope="col">Decision</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    const t = methodOf(monitor, r);
                    return (
                      <tr key={r.column} className={r.column === current ? 'ops-selected' : undefined}>
                        <th scope="row">
                          <button type="button" className="link" aria-pressed={r.column === current} onClick={() => setSelected(r.column)}>
                            {r.column}
                          </button>
                        </th>
                        <td>{t.method}</td>
                        <td className="num">{t.statistic}</td>
                        <td className="num">{sci(r.values.score)}</td>
                        <td className="num">{fmt(r.values.threshold, 4)}</td>
                        <td>{r.values.drift_detected === 1 ? <Badge tone="bad">drift</Badge> : <Badge tone="good">no drift</Badge>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {row && <FeatureDetail key={current} monitor={monitor} row={row} history={history.filter((p) => p.column === current)} />}
            </>
          );
        }}
      </OpsAsync>
    </Panel>
  );
}

/** Reference vs current distribution of one column, and its drift score over time. */
function FeatureDetail({ monitor, row, history }: { monitor: Monitor; row: DriftRow; history: MetricPoint[] }) {
  const state = useApi(
    async (signal) => {
      const logged = async (since: number, until: number) =>
        (await api.get<{ predictions: Prediction[] }>(`/api/v1/deployments/${encodeURIComponent(monitor.deployment)}/predictions`, { since: Math.max(0, Math.floor(since)), until: Math.ceil(until), limit: 1000 }, signal)).predictions.filter((p) => p.status === 0).map((p) => p.inputs);
      const current = columnValues(monitor, row.column, await logged(row.windowStart, row.windowEnd));
      const ref = monitor.reference;
      if ('dataset' in ref) {
        const v = await api.get<DatasetVersion>(`/api/v1/datasets/${encodeURIComponent(ref.dataset)}/versions/${ref.version}`, undefined, signal);
        const col = v.profile?.columns.find((c) => c.name === row.column);
        if (col?.numeric) return { bars: numericBars(col.numeric.histogram, current.filter((x): x is number => typeof x === 'number')), current: current.length, reference: col.count };
        if (col?.categorical) return { bars: categoricalBars(col.categorical, current), current: current.length, reference: col.count };
        return { bars: null, current: current.length, reference: 0 };
      }
      const reference = columnValues(monitor, row.column, await logged(ref.since, ref.until));
      const numeric = [...reference, ...current].every((x) => typeof x === 'number');
      return {
        bars: numeric ? numericBarsOfSamples(reference as number[], current as number[]) : categoricalBars(topOf(reference), current),
        current: current.length,
        reference: reference.length,
      };
    },
    [monitor.id, row.column, row.windowEnd],
  );
  const scoreSeries = useMemo(() => [{ label: `${row.column} drift score`, x: history.map((p) => p.windowEnd / 1000), y: history.map((p) => p.value) }], [history, row.column]);
  return (
    <div className="ops-chart-grid ops-feature-detail">
      <div>
        <h3 className="ops-chart-title">{row.column}: reference vs current (share of rows per bin)</h3>
        <OpsAsync state={state} what="the distributions">
          {(d) =>
            d.bars && d.bars.labels.length ? (
              <>
                <EChart option={barsOption(d.bars)} height={260} label={`Histogram of ${row.column}: reference and current window`} />
                <p className="muted">
                  Reference: {d.reference} values{'dataset' in monitor.reference ? ' (the dataset profile)' : ''}; current: {d.current} values from the window&apos;s logged requests (the newest 1000 at most).
                </p>
              </>
            ) : (
              <p className="muted">No distribution to draw: the reference has no profile of {row.column}, or the window&apos;s requests were not logged in full.</p>
            )
          }
        </OpsAsync>
      </div>
      <div>
        <h3 className="ops-chart-title">Drift score of {row.column} per window</h3>
        <SeriesOrFigures series={scoreSeries} yLabel="score" label={`Drift score of ${row.column} over time`} />
      </div>
    </div>
  );
}

function barsOption(b: Bars): EChartsOption {
  return {
    grid: { left: 48, right: 12, top: 30, bottom: 60 },
    legend: { data: ['reference', 'current'], top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => pct(Number(v)) },
    xAxis: { type: 'category', data: b.labels, axisLabel: { rotate: 40, fontSize: 10 } },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: [
      { name: 'reference', type: 'bar', data: b.reference, itemStyle: { color: PALETTE[0] } },
      { name: 'current', type: 'bar', data: b.current, itemStyle: { color: PALETTE[1] } },
    ],
  };
}

const DQ_METRICS = ['missing_share', 'type_violation_share', 'out_of_range_share', 'new_categories'] as const;

function DataQualityPanel({ monitor, range }: { monitor: Monitor; range: Range }) {
  const state = useApi(
    async (signal) => {
      const [cols, ds] = await Promise.all([
        Promise.all(DQ_METRICS.map((metric) => metricPoints(monitor.id, metric, { variant: null, group: null, since: range.since, until: range.until }, signal))),
        Promise.all(['missing_share', 'schema_violations'].map((metric) => metricPoints(monitor.id, metric, { column: null, variant: null, group: null, since: range.since, until: range.until }, signal))),
      ]);
      const latest = Math.max(0, ...cols.flat().map((p) => p.windowEnd));
      const table = new Map<string, Partial<Record<(typeof DQ_METRICS)[number], number>>>();
      DQ_METRICS.forEach((metric, i) => {
        for (const p of cols[i]!) {
          if (p.column === null || p.windowEnd !== latest) continue;
          table.set(p.column, { ...table.get(p.column), [metric]: p.value });
        }
      });
      const last = (ps: MetricPoint[]) => ps[ps.length - 1];
      return { table: [...table.entries()].sort(([a], [b]) => a.localeCompare(b)), missing: last(ds[0]!), schema: last(ds[1]!) };
    },
    [monitor.id, range],
  );
  return (
    <Panel title="Data quality (latest window)">
      <OpsAsync state={state} what="data quality">
        {({ table, missing, schema }) =>
          table.length === 0 ? (
            <p className="muted">No data-quality figures in this range yet.</p>
          ) : (
            <>
              <p>
                Missing cells overall: <strong>{pct(missing?.value)}</strong> · schema violations: <strong>{fmt(schema?.value ?? null, 0)}</strong>
              </p>
              <table className="simple">
                <thead>
                  <tr>
                    <th scope="col">Column</th>
                    <th scope="col" className="num">Missing</th>
                    <th scope="col" className="num">Type violations</th>
                    <th scope="col" className="num">Out of range</th>
                    <th scope="col" className="num">New categories</th>
                  </tr>
                </thead>
                <tbody>
                  {table.map(([col, v]) => {
                    const issue = (v.missing_share ?? 0) > 0.05 || (v.type_violation_share ?? 0) > 0 || (v.out_of_range_share ?? 0) > 0.05 || (v.new_categories ?? 0) > 0;
                    return (
                      <tr key={col} className={issue ? 'ops-issue' : undefined}>
                        <th scope="row">
                          {col} {issue && <Badge tone="warn">issue</Badge>}
                        </th>
                        <td className="num">{pct(v.missing_share)}</td>
                        <td className="num">{v.type_violation_share === undefined ? '—' : pct(v.type_violation_share)}</td>
                        <td className="num">{v.out_of_range_share === undefined ? '—' : pct(v.out_of_range_share)}</td>
                        <td className="num">{v.new_categories === undefined ? '—' : fmt(v.new_categories, 0)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </>
          )
        }
      </OpsAsync>
    </Panel>
  );
}

const GROUP_METRICS = ['count', 'selection_rate', 'true_positive_rate', 'false_positive_rate'] as const;
const GAPS = ['demographic_parity_difference', 'equal_opportunity_difference', 'equalized_odds_difference', 'demographic_parity_ratio', 'equalized_odds_ratio'] as const;

function FairnessPanel({ monitor, range }: { monitor: Monitor; range: Range }) {
  const state = useApi(
    monitor.sensitive
      ? async (signal) => {
          const [groups, gaps] = await Promise.all([
            Promise.all(GROUP_METRICS.map((metric) => metricPoints(monitor.id, metric, { column: null, variant: null, since: range.since, until: range.until }, signal))),
            Promise.all(GAPS.map((metric) => metricPoints(monitor.id, metric, { column: null, variant: null, group: null, since: range.since, until: range.until }, signal))),
          ]);
          const latest = Math.max(0, ...groups.flat().map((p) => p.windowEnd));
          const table = new Map<string, Partial<Record<(typeof GROUP_METRICS)[number], number>>>();
          GROUP_METRICS.forEach((metric, i) => {
            for (const p of groups[i]!) if (p.group !== null && p.windowEnd === latest) table.set(p.group, { ...table.get(p.group), [metric]: p.value });
          });
          return { table: [...table.entries()].sort(([a], [b]) => a.localeCompare(b)), gaps: GAPS.map((g, i) => [g, gaps[i]![gaps[i]!.length - 1]?.value] as const) };
        }
      : null,
    [monitor.id, range],
  );
  if (!monitor.sensitive)
    return (
      <Panel title="Fairness per group">
        <p className="muted">This monitor names no sensitive attribute. Add <code>sensitive: &quot;column&quot;</code> to its definition to compare groups.</p>
      </Panel>
    );
  return (
    <Panel title={`Fairness per group of ${monitor.sensitive} (latest window)`}>
      <OpsAsync state={state} what="fairness">
        {({ table, gaps }) =>
          table.length === 0 ? (
            <p className="muted">No fairness figures yet: they need actuals (labels) for the window.</p>
          ) : (
            <>
              <EChart
                height={200}
                label={`Selection rate and true positive rate per group of ${monitor.sensitive}`}
                option={{
                  grid: { left: 48, right: 12, top: 30, bottom: 30 },
                  legend: { top: 0 },
                  tooltip: { trigger: 'axis', valueFormatter: (v) => pct(Number(v)) },
                  xAxis: { type: 'category', data: table.map(([g]) => `${monitor.sensitive} = ${g}`) },
                  yAxis: { type: 'value', max: 1 },
                  series: [
                    { name: 'selection rate', type: 'bar', data: table.map(([, v]) => v.selection_rate ?? null), itemStyle: { color: PALETTE[0] } },
                    { name: 'true positive rate', type: 'bar', data: table.map(([, v]) => v.true_positive_rate ?? null), itemStyle: { color: PALETTE[2] } },
                    { name: 'false positive rate', type: 'bar', data: table.map(([, v]) => v.false_positive_rate ?? null), itemStyle: { color: PALETTE[1] } },
                  ],
                }}
              />
              <table className="simple">
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col" className="num">Rows</th>
                    <th scope="col" className="num">Selection rate</th>
                    <th scope="col" className="num">TPR</th>
                    <th scope="col" className="num">FPR</th>
                  </tr>
                </thead>
                <tbody>
                  {table.map(([g, v]) => (
                    <tr key={g}>
                      <th scope="row">{g}</th>
                      <td className="num">{fmt(v.count ?? null, 0)}</td>
                      <td className="num">{pct(v.selection_rate)}</td>
                      <td className="num">{pct(v.true_positive_rate)}</td>
                      <td className="num">{pct(v.false_positive_rate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <dl className="facts ops-gaps">
                {gaps.map(([g, v]) => (
                  <div key={g} className="ops-contents">
                    <dt>{g.replace(/_/g, ' ')}</dt>
                    <dd>{fmt(v ?? null, 4)}</dd>
                  </div>
                ))}
              </dl>
            </>
          )
        }
      </OpsAsync>
    </Panel>
  );
}
