import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lttb } from './downsample';

export interface LineSeries {
  label: string;
  x: number[];
  y: number[];
}

/** Colours with enough contrast on white, distinguishable for the common colour-vision deficiencies (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Points drawn per series at most: beyond that the curve is downsampled (LTTB), its shape kept. */
const MAX_POINTS = 2000;

/**
 * Time series and metric curves with uPlot: built for many points (canvas, no per-point DOM), drag
 * to zoom, double-click to reset, several series overlaid on one x axis.
 */
export function LineChart({ series, height = 280, xLabel = 'step', yLabel, xTime = false, label }: { series: LineSeries[]; height?: number; xLabel?: string; yLabel?: string; xTime?: boolean; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const sampled = series.map((s) => lttb(s.x, s.y, MAX_POINTS));
    const data = uPlot.join(sampled.map((s) => [s.x, s.y] as [number[], number[]]));
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      scales: { x: { time: xTime } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length]!, width: 1.5, spanGaps: true, points: { show: s.x.length < 50 } }))],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    };
    const plot = new uPlot(opts, data as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [series, height, xLabel, yLabel, xTime]);
  return <div ref={host} className="chart" role="img" aria-label={label} />;
}
