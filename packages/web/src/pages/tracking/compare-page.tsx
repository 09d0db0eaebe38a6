import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import type { EChartsOption } from 'echarts';
import { useApi } from '../../api/use-api';
import { EChart } from '../../components/echart';
import { LineChart, PALETTE } from '../../components/line-chart';
import { Page, Panel } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { bulkHistory, fmt, getRun, toRow, type RunRow } from './tracking-api';

/** Runs compared at most: MLflow's bulk history call takes 100 runs. */
const MAX_COMPARE = 100;

/** Selected runs side by side: overlaid metric curves, parallel coordinates, a scatter of any two values, and a diff table. */
export function ComparePage() {
  const { experimentId = '' } = useParams();
  const [params] = useSearchParams();
  const ids = useMemo(() => (params.get('runs') ?? '').split(',').filter(Boolean).slice(0, MAX_COMPARE), [params]);
  const runs = useApi((signal) => Promise.all(ids.map((id) => getRun(id, signal).then(toRow))), [ids.join(',')]);
  return (
    <Page
      title={`Compare ${ids.length} runs`}
      subtitle={
        <>
          <Link to="/experiments">Experiments</Link> · <Link to={`/experiments/${experimentId}`}>back to the run table</Link>
        </>
      }
    >
      {ids.length < 2 ? (
        <Empty title="Pick runs to compare">
          Select two runs or more in <Link to={`/experiments/${experimentId}`}>the run table</Link>, then press Compare.
        </Empty>
      ) : (
        <Async state={runs} what="the runs">
          {(rows) => <Comparison rows={rows} />}
        </Async>
      )}
    </Page>
  );
}

/** How a run is named in legends and headers. */
const label = (r: RunRow) => r.name || r.id.slice(0, 8);

/** A param as a number when every run's value reads as one, so it gets a numeric axis. */
function numericParam(rows: RunRow[], key: string): boolean {
  return rows.every((r) => r.params[key] === undefined || (r.params[key]!.trim() !== '' && Number.isFinite(Number(r.params[key]))));
}

function Comparison({ rows }: { rows: RunRow[] }) {
  const metricKeys = useMemo(() => [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort(), [rows]);
  const paramKeys = useMemo(() => [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort(), [rows]);
  // Params every run shares tell nothing apart: the charts and the table lead with those that differ.
  const differing = useMemo(() => paramKeys.filter((k) => new Set(rows.map((r) => r.params[k])).size > 1), [paramKeys, rows]);
  return (
    <>
      <Panel title="Metric curves">
        {metricKeys.length ? <OverlaidCurves rows={rows} metricKeys={metricKeys} /> : <p className="muted">These runs logged no metrics.</p>}
      </Panel>
      <Panel title="Parallel coordinates">
        <ParallelCoordinates rows={rows} params={differing.length ? differing : paramKeys} metrics={metricKeys} />
      </Panel>
      <Panel title="Scatter">
        <Scatter rows={rows} params={paramKeys} metrics={metricKeys} />
      </Panel>
      <Panel title="Side by side">
        <DiffTable rows={rows} params={paramKeys} differing={new Set(differing)} metrics={metricKeys} />
      </Panel>
    </>
  );
}

function OverlaidCurves({ rows, metricKeys }: { rows: RunRow[]; metricKeys: string[] }) {
  // The metric with the longest history first: a curve says more than a final value.
  const [key, setKey] = useState(() => [...metricKeys].sort((a, b) => Math.max(...rows.map((r) => r.steps[b] ?? -1)) - Math.max(...rows.map((r) => r.steps[a] ?? -1)))[0]!);
  const ids = rows.map((r) => r.id);
  const history = useApi((signal) => bulkHistory(ids, key, signal), [ids.join(','), key]);
  return (
    <>
      <label className="inline-label">
        Metric
        <select value={key} onChange={(e) => setKey(e.target.value)}>
          {metricKeys.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <Async state={history} what={`the history of ${key}`}>
        {(by) => <Overlay by={by} rows={rows} metricKey={key} />}
      </Async>
    </>
  );
}

function Overlay({ by, rows, metricKey }: { by: Map<string, { step: number; value: number }[]>; rows: RunRow[]; metricKey: string }) {
  const series = useMemo(
    () =>
      rows
        .filter((r) => (by.get(r.id)?.length ?? 0) > 0)
        .map((r) => {
          const pts = by.get(r.id)!;
          return { label: label(r), x: pts.map((p) => p.step), y: pts.map((p) => (Number.isFinite(p.value) ? p.value : NaN)) };
        }),
    [by, rows],
  );
  if (series.length === 0) return <p className="muted">None of these runs logged {metricKey}.</p>;
  return <LineChart series={series} label={`${metricKey} by step for ${series.length} runs`} yLabel={metricKey} height={300} />;
}

const dimName = (kind: 'param' | 'metric', k: string) => (kind === 'param' ? `params.${k}` : `metrics.${k}`);

function ParallelCoordinates({ rows, params, metrics }: { rows: RunRow[]; params: string[]; metrics: string[] }) {
  const option = useMemo<EChartsOption>(() => {
    // A chart with 30 axes reads as noise: the first 8 params and 6 metrics.
    const dims = [...params.slice(0, 8).map((k) => ({ kind: 'param' as const, k })), ...metrics.slice(0, 6).map((k) => ({ kind: 'metric' as const, k }))];
    const parallelAxis = dims.map((d, dim) => {
      const name = dimName(d.kind, d.k);
      if (d.kind === 'param' && !numericParam(rows, d.k)) {
        const cats = [...new Set(rows.map((r) => r.params[d.k] ?? '—'))].sort();
        return { dim, name, type: 'category' as const, data: cats };
      }
      return { dim, name, type: 'value' as const, scale: true };
    });
    const value = (r: RunRow, d: (typeof dims)[number], ax: (typeof parallelAxis)[number]) => {
      if (d.kind === 'metric') {
        const v = r.metrics[d.k];
        return v === undefined || !Number.isFinite(v) ? null : v;
      }
      const p = r.params[d.k];
      if (ax.type === 'category') return p ?? '—';
      return p === undefined ? null : Number(p);
    };
    return {
      color: PALETTE,
      tooltip: { trigger: 'item' },
      parallel: { left: 60, right: 90, top: 40, bottom: 30, parallelAxisDefault: { nameLocation: 'end', nameGap: 14, nameTextStyle: { fontSize: 11 }, axisLabel: { fontSize: 10 } } },
      parallelAxis,
      series: rows.map((r, i) => ({
        type: 'parallel' as const,
        name: label(r),
        lineStyle: { width: 2, opacity: 0.85, color: PALETTE[i % PALETTE.length] },
        data: [dims.map((d, k) => value(r, d, parallelAxis[k]!))],
      })),
      legend: { type: 'scroll', bottom: 0 },
    } as EChartsOption;
  }, [rows, params, metrics]);
  if (params.length + metrics.length < 2) return <p className="muted">Parallel coordinates need two params or metrics at least.</p>;
  return <EChart option={option} height={340} label={`Parallel coordinates of ${rows.length} runs over their params and metrics`} />;
}

function Scatter({ rows, params, metrics }: { rows: RunRow[]; params: string[]; metrics: string[] }) {
  const choices = useMemo(() => [...params.filter((k) => numericParam(rows, k)).map((k) => dimName('param', k)), ...metrics.map((k) => dimName('metric', k))], [rows, params, metrics]);
  const [x, setX] = useState(choices[0] ?? '');
  const [y, setY] = useState(choices[1] ?? choices[0] ?? '');
  const read = (r: RunRow, dim: string): number | null => {
    const v = dim.startsWith('params.') ? Number(r.params[dim.slice(7)]) : r.metrics[dim.slice(8)];
    return v === undefined || !Number.isFinite(v) ? null : v;
  };
  const option = useMemo<EChartsOption>(
    () => ({
      color: PALETTE,
      grid: { left: 70, right: 30, top: 20, bottom: 50 },
      tooltip: { trigger: 'item', formatter: (p: unknown) => { const q = p as { seriesName: string; value: number[] }; return `${q.seriesName}<br/>${x}: ${fmt(q.value[0])}<br/>${y}: ${fmt(q.value[1])}`; } },
      xAxis: { type: 'value', name: x, nameLocation: 'middle', nameGap: 28, scale: true, boundaryGap: ['8%', '8%'] },
      yAxis: { type: 'value', name: y, nameLocation: 'middle', nameGap: 50, scale: true, boundaryGap: ['8%', '8%'] },
      series: rows.map((r) => {
        const vx = read(r, x);
        const vy = read(r, y);
        return { type: 'scatter' as const, name: label(r), symbolSize: 12, data: vx === null || vy === null ? [] : [[vx, vy]] };
      }),
    }),
    [rows, x, y],
  );
  if (choices.length === 0) return <p className="muted">No numeric params or metrics to plot.</p>;
  return (
    <>
      <div className="field-row">
        <label>
          X axis
          <select value={x} onChange={(e) => setX(e.target.value)}>
            {choices.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Y axis
          <select value={y} onChange={(e) => setY(e.target.value)}>
            {choices.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </div>
      <EChart option={option} height={320} label={`Scatter of ${y} against ${x} for ${rows.length} runs`} />
    </>
  );
}

function DiffTable({ rows, params, differing, metrics }: { rows: RunRow[]; params: string[]; differing: Set<string>; metrics: string[] }) {
  return (
    <div className="csv-scroll">
      <table className="simple compare">
        <thead>
          <tr>
            <th scope="col">Key</th>
            {rows.map((r) => (
              <th key={r.id} scope="col">
                <Link to={`/runs/${r.id}`}>{label(r)}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metrics.map((k) => (
            <tr key={`m:${k}`}>
              <th scope="row">metrics.{k}</th>
              {rows.map((r) => (
                <td key={r.id} className="num">
                  {fmt(r.metrics[k])}
                </td>
              ))}
            </tr>
          ))}
          {params.map((k) => (
            <tr key={`p:${k}`} className={differing.has(k) ? 'differs' : undefined}>
              <th scope="row">
                params.{k}
                {differing.has(k) && <span className="sr-only"> (differs)</span>}
              </th>
              {rows.map((r) => (
                <td key={r.id}>{r.params[k] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
