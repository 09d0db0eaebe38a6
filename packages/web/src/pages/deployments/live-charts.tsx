import { useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import { LineChart, type LineSeries } from '../../components/line-chart';
import { Panel } from '../../components/page';
import { fmt, pct, useInterval } from '../../components/ops-common';
import { countersOf, parsePrometheus, ratesBetween, type VariantCounters, type VariantRates } from './prometheus';

/** Seconds between two scrapes of /metrics. */
const POLL_MS = 3000;
/** Points kept per chart: ten minutes at one scrape every 3 s. */
const KEEP = 200;

interface Point {
  t: number; // seconds since epoch
  rates: Map<string, VariantRates>;
}

/**
 * Live request rate, latency and errors per variant, computed in the browser from the deltas of
 * the gateway's Prometheus counters between scrapes (the server keeps no time series itself).
 */
export function LiveCharts({ deployment, variants }: { deployment: string; variants: string[] }) {
  const prev = useRef<{ t: number; counters: Map<string, VariantCounters> } | null>(null);
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);

  useInterval(() => {
    if (busy.current) return;
    busy.current = true;
    api
      .get<string>('/metrics')
      .then((text) => {
        const t = Date.now() / 1000;
        const counters = countersOf(parsePrometheus(typeof text === 'string' ? text : ''), deployment);
        const p = prev.current;
        prev.current = { t, counters };
        setError(null);
        if (!p) return;
        const rates = new Map<string, VariantRates>();
        for (const v of new Set([...variants, ...counters.keys()])) {
          const cur = counters.get(v) ?? { requests: 0, errors: 0, latencySum: 0, latencyCount: 0, buckets: [] };
          rates.set(v, ratesBetween(p.counters.get(v), cur, t - p.t));
        }
        setPoints((old) => [...old.slice(-(KEEP - 1)), { t, rates }]);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => (busy.current = false));
  }, POLL_MS);

  const names = useMemo(() => {
    const seen = new Set(variants);
    for (const p of points) for (const v of p.rates.keys()) if (v) seen.add(v);
    return [...seen];
  }, [points, variants]);

  const series = useMemo(() => {
    const x = points.map((p) => p.t);
    // uPlot draws a gap for null; the chart's type says number, so the nulls are passed through as such.
    const of = (pick: (r: VariantRates) => number | null): LineSeries[] => names.map((v) => ({ label: v, x, y: points.map((p) => { const r = p.rates.get(v); return (r ? pick(r) : null) as number; }) }));
    return { rate: of((r) => r.rate), p95: of((r) => r.p95Ms), errors: of((r) => r.errorShare) };
  }, [points, names]);

  const last = points[points.length - 1];
  return (
    <Panel title="Live traffic" actions={<span className="muted">from /metrics every {POLL_MS / 1000} s</span>}>
      {error && (
        <div className="state error" role="alert">
          Could not read the metrics: {error}
        </div>
      )}
      <table className="simple ops-live-table" aria-label="Current traffic per variant">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" className="num">
              Requests/s
            </th>
            <th scope="col" className="num">
              Mean latency
            </th>
            <th scope="col" className="num">
              p95 latency
            </th>
            <th scope="col" className="num">
              Errors
            </th>
          </tr>
        </thead>
        <tbody>
          {names.map((v) => {
            const r = last?.rates.get(v);
            return (
              <tr key={v} data-variant={v}>
                <th scope="row">{v}</th>
                <td className="num" data-testid={`rate-${v}`}>{r ? fmt(r.rate, 2) : '…'}</td>
                <td className="num">{r?.meanMs != null ? `${fmt(r.meanMs, 2)} ms` : '—'}</td>
                <td className="num">{r?.p95Ms != null ? `${fmt(r.p95Ms, 2)} ms` : '—'}</td>
                <td className="num">{r ? pct(r.errorShare) : '…'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {points.length < 2 ? (
        <p className="muted">Collecting figures: the charts start after two scrapes.</p>
      ) : (
        <div className="ops-chart-grid">
          <div>
            <h3 className="ops-chart-title">Request rate (req/s)</h3>
            <LineChart series={series.rate} xTime xLabel="time" yLabel="req/s" height={180} label="Requests per second per variant" />
          </div>
          <div>
            <h3 className="ops-chart-title">p95 latency (ms)</h3>
            <LineChart series={series.p95} xTime xLabel="time" yLabel="ms" height={180} label="95th percentile latency per variant" />
          </div>
          <div>
            <h3 className="ops-chart-title">Error share</h3>
            <LineChart series={series.errors} xTime xLabel="time" yLabel="share" height={180} label="Share of failed requests per variant" />
          </div>
        </div>
      )}
    </Panel>
  );
}
