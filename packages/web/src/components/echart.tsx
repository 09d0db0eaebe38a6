import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';

/**
 * ECharts for everything that is not a long time series: histograms, bars, graphs (lineage),
 * parallel coordinates and scatter for comparing runs. `option` is ECharts' own option object.
 */
export function EChart({ option, height = 300, label, onClick }: { option: echarts.EChartsOption; height?: number; label: string; onClick?: (params: echarts.ECElementEvent) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    // A box being removed is resized to 0×0 before it is disposed: ECharts throws on that size.
    const ro = new ResizeObserver(() => {
      if (el.clientWidth && el.clientHeight) c.resize();
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, true);
  }, [option]);
  useEffect(() => {
    const c = chart.current;
    if (!c || !onClick) return;
    c.on('click', onClick);
    return () => {
      c.off('click', onClick);
    };
  }, [onClick]);
  return <div ref={host} className="chart" style={{ height }} role="img" aria-label={label} />;
}
