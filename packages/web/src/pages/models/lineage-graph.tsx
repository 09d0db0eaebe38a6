import { useCallback, useLayoutEffect, useMemo, useRef } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { getInstanceByDom, type ECElementEvent, type EChartsOption } from 'echarts';
import { api } from '../../api/client';
import { EChart } from '../../components/echart';

export interface LineageNode {
  id: string;
  kind: string;
  label: string;
  attributes: Record<string, string | number | null>;
}
export interface LineageEdge {
  from: string;
  to: string;
  relation: string;
}
export interface LineageGraph {
  root: string;
  direction: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Left to right, the way things flow: data, the run trained on it, the version registered from it, where it serves. */
const COLUMN: Record<string, number> = { dataset_input: 0, dataset_version: 0, run: 1, model_version: 2, deployment: 3 };
const KIND_LABEL: Record<string, string> = { dataset_input: 'Dataset input', dataset_version: 'Dataset version', run: 'Run', model_version: 'Model version', deployment: 'Deployment' };
const KIND_COLOR: Record<string, string> = { dataset_input: '#8a96a3', dataset_version: '#009E73', run: '#0072B2', model_version: '#D55E00', deployment: '#CC79A7' };

/** The UI page of a lineage node, or null when it has none (an MLflow input no registered dataset accounts for). */
export function nodeHref(n: LineageNode): string | null {
  const [kind, ...rest] = n.id.split(':');
  const ref = rest.join(':');
  const split = (s: string) => {
    const i = s.lastIndexOf('/');
    return [s.slice(0, i), s.slice(i + 1)] as const;
  };
  switch (kind) {
    case 'run':
      return `/runs/${ref}`;
    case 'model_version': {
      const [name, v] = split(ref);
      return `/models/${encodeURIComponent(name)}/versions/${v}`;
    }
    case 'dataset_version': {
      const [name, v] = split(ref);
      return `/datasets/${encodeURIComponent(name)}/versions/${v}`;
    }
    case 'deployment':
      return `/deployments/${encodeURIComponent(ref)}`;
    default:
      return null;
  }
}

interface Deployment {
  name: string;
  config: { variants: { name: string; model?: { name: string; version: string | number } }[] };
}

/**
 * Adds the deployments serving any model version of the graph. The lineage API adds them
 * downstream only; an upstream graph (where a model version came from) shows where it serves too.
 * A caller who may not list deployments sees the graph without them.
 */
export async function withDeployments(g: LineageGraph, signal: AbortSignal): Promise<LineageGraph> {
  const versions = g.nodes.filter((n) => n.kind === 'model_version');
  if (versions.length === 0) return g;
  let deployments: Deployment[];
  try {
    deployments = (await api.get<{ deployments: Deployment[] }>('/api/v1/deployments', undefined, signal)).deployments;
  } catch {
    return g;
  }
  const nodes = [...g.nodes];
  const edges = [...g.edges];
  for (const d of deployments) {
    for (const v of d.config.variants) {
      if (!v.model) continue;
      const from = `model_version:${v.model.name}/${v.model.version}`;
      if (!versions.some((n) => n.id === from)) continue;
      const id = `deployment:${d.name}`;
      if (!nodes.some((n) => n.id === id)) nodes.push({ id, kind: 'deployment', label: d.name, attributes: { variant: v.name } });
      if (!edges.some((e) => e.from === from && e.to === id)) edges.push({ from, to: id, relation: 'deployed_as' });
    }
  }
  return { ...g, nodes, edges };
}

/** The lineage as a left-to-right graph (ECharts graph series); nodes open their pages, and the same nodes are listed as links for the keyboard. */
export function LineageView({ graph }: { graph: LineageGraph }) {
  const navigate = useNavigate();
  const host = useRef<HTMLDivElement>(null);
  // When the page is left, the chart's ResizeObserver sees its box shrink to 0×0 before the chart
  // is disposed, and a graph series resized to nothing throws inside ECharts (a view transform of
  // scale 0 cannot be inverted). A layout-effect cleanup runs before React detaches the DOM, so
  // the chart is gone before that resize. (The lasting fix: EChart skipping 0×0 resizes.)
  useLayoutEffect(() => {
    const el = host.current;
    return () => {
      const chart = el?.querySelector<HTMLElement>('.chart');
      if (chart) getInstanceByDom(chart)?.dispose();
    };
  }, []);
  const option = useMemo<EChartsOption>(() => {
    const byColumn = new Map<number, LineageNode[]>();
    for (const n of graph.nodes) {
      const c = COLUMN[n.kind] ?? 1;
      byColumn.set(c, [...(byColumn.get(c) ?? []), n]);
    }
    const cols = [...byColumn.keys()].sort((a, b) => a - b);
    const data = graph.nodes.map((n) => {
      const col = COLUMN[n.kind] ?? 1;
      const peers = byColumn.get(col)!;
      const row = peers.indexOf(n);
      return {
        id: n.id,
        name: n.label,
        x: cols.indexOf(col) * 260,
        y: (row - (peers.length - 1) / 2) * 90,
        symbol: n.kind === 'run' ? 'circle' : n.kind === 'model_version' ? 'diamond' : n.kind === 'deployment' ? 'triangle' : 'rect',
        symbolSize: n.id === graph.root ? 34 : 26,
        itemStyle: { color: KIND_COLOR[n.kind] ?? '#57606a', borderColor: n.id === graph.root ? '#1b1f24' : '#fff', borderWidth: 2 },
        label: { show: true, position: 'bottom' as const, formatter: n.label.length > 28 ? `${n.label.slice(0, 27)}…` : n.label, color: '#1b1f24' },
        kind: n.kind,
      };
    });
    return {
      tooltip: {
        formatter: (p: unknown) => {
          const q = p as { dataType: string; data: { id?: string; name?: string; kind?: string; relation?: string } };
          if (q.dataType === 'edge') return q.data.relation?.replace('_', ' ') ?? '';
          return `${KIND_LABEL[q.data.kind ?? ''] ?? q.data.kind}<br/>${q.data.name ?? ''}`;
        },
      },
      series: [
        {
          type: 'graph',
          layout: 'none',
          data,
          edges: graph.edges.map((e) => ({ source: e.from, target: e.to, relation: e.relation })),
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 9,
          lineStyle: { color: '#8a96a3', width: 1.5, curveness: 0.1 },
          emphasis: { focus: 'adjacency' },
          cursor: 'pointer',
        },
      ],
    } as EChartsOption;
  }, [graph]);
  const onClick = useCallback(
    (e: ECElementEvent) => {
      if (e.dataType !== 'node') return;
      const n = graph.nodes.find((x) => x.id === (e.data as { id: string }).id);
      const href = n && nodeHref(n);
      if (href) navigate(href);
    },
    [graph, navigate],
  );
  const height = Math.max(200, Math.max(...[0, 1, 2, 3].map((c) => graph.nodes.filter((n) => (COLUMN[n.kind] ?? 1) === c).length)) * 90 + 70);
  return (
    <>
      <ul className="legend-row" aria-label="Legend">
        {Object.entries(KIND_LABEL)
          .filter(([k]) => graph.nodes.some((n) => n.kind === k))
          .map(([k, l]) => (
            <li key={k}>
              <span className="swatch" style={{ background: KIND_COLOR[k] }} aria-hidden="true" /> {l}
            </li>
          ))}
      </ul>
      <div ref={host}>
        <EChart option={option} height={height} label={`Lineage graph with ${graph.nodes.length} nodes and ${graph.edges.length} edges`} onClick={onClick} />
      </div>
      <ul className="lineage-nodes" aria-label="Lineage nodes">
        {[...graph.nodes].sort((a, b) => (COLUMN[a.kind] ?? 1) - (COLUMN[b.kind] ?? 1)).map((n) => {
          const href = nodeHref(n);
          return (
            <li key={n.id} data-kind={n.kind}>
              <span className="muted">{KIND_LABEL[n.kind] ?? n.kind}:</span> {href ? <Link to={href}>{n.label}</Link> : n.label}
              {n.id === graph.root && <span className="muted"> (this)</span>}
            </li>
          );
        })}
      </ul>
    </>
  );
}
