import { useMemo, useState } from 'react';
import { useApi } from '../../api/use-api';
import { LineChart } from '../../components/line-chart';
import { Async, Empty } from '../../components/states';
import { metricHistory } from './tracking-api';

/** One metric of one run over steps: its whole history loaded, drawn downsampled, zoomable. */
export function MetricCurve({ runId, metricKey }: { runId: string; metricKey: string }) {
  const state = useApi((signal) => metricHistory(runId, metricKey, signal), [runId, metricKey]);
  return (
    <section className="curve" aria-label={`Metric ${metricKey}`}>
      <h3>{metricKey}</h3>
      <Async state={state} what={`the history of ${metricKey}`}>
        {(points) => <Curve points={points} metricKey={metricKey} />}
      </Async>
    </section>
  );
}

/** Points drawn at most before the curve is downsampled (the chart's own limit). */
const DRAWN = 2000;

function Curve({ points, metricKey }: { points: { step: number; value: number }[]; metricKey: string }) {
  // A long history is downsampled to the chart's width; a step range redraws that part of it
  // from the full data, so a spike at step 73,512 of 100,000 can be looked at point by point.
  const [range, setRange] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const shown = useMemo(() => {
    const from = range.from.trim() === '' ? -Infinity : Number(range.from);
    const to = range.to.trim() === '' ? Infinity : Number(range.to);
    return from === -Infinity && to === Infinity ? points : points.filter((p) => p.step >= from && p.step <= to);
  }, [points, range]);
  const series = useMemo(() => [{ label: metricKey, x: shown.map((p) => p.step), y: shown.map((p) => (Number.isFinite(p.value) ? p.value : NaN)) }], [shown, metricKey]);
  if (points.length === 0) return <Empty title="No points logged" />;
  return (
    <>
      {shown.length ? <LineChart series={series} label={`${metricKey} by step, ${shown.length} points`} yLabel={metricKey} height={220} /> : <p className="muted">No points in this step range.</p>}
      <p className="muted small">
        {points.length.toLocaleString()} points
        {shown.length !== points.length && `, ${shown.length.toLocaleString()} in range`}
        {shown.length > DRAWN ? ' (drawn downsampled; drag to zoom, double-click to reset)' : ' · drag to zoom, double-click to reset'}
      </p>
      {points.length > DRAWN && (
        <div className="step-range">
          <label>
            From step
            <input type="number" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} placeholder={String(points[0]!.step)} />
          </label>
          <label>
            To step
            <input type="number" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} placeholder={String(points[points.length - 1]!.step)} />
          </label>
          {(range.from || range.to) && (
            <button type="button" onClick={() => setRange({ from: '', to: '' })}>
              Whole history
            </button>
          )}
        </div>
      )}
    </>
  );
}
