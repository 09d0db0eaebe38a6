import { useMemo } from 'react';
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

function Curve({ points, metricKey }: { points: { step: number; value: number }[]; metricKey: string }) {
  // uPlot draws NaN/∞ as gaps; they stay in the count so "how many points" matches the API.
  const series = useMemo(() => [{ label: metricKey, x: points.map((p) => p.step), y: points.map((p) => (Number.isFinite(p.value) ? p.value : NaN)) }], [points, metricKey]);
  if (points.length === 0) return <Empty title="No points logged" />;
  return (
    <>
      <LineChart series={series} label={`${metricKey} by step, ${points.length} points`} yLabel={metricKey} height={220} />
      <p className="muted small">
        {points.length.toLocaleString()} points{points.length > 2000 ? ' (drawn downsampled; drag to zoom, double-click to reset)' : ' · drag to zoom, double-click to reset'}
      </p>
    </>
  );
}
