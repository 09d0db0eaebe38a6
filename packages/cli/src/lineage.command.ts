import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { output } from './output.js';

interface Graph {
  root: string;
  direction: 'upstream' | 'downstream';
  nodes: { id: string; kind: string; label: string; attributes: Record<string, string | number | null> }[];
  edges: { from: string; to: string; relation: string }[];
}

/** Renders the graph as an indented tree from the root, following edges in the asked direction. */
export function renderLineage(g: Graph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const next = (id: string) =>
    g.edges.filter((e) => (g.direction === 'upstream' ? e.to === id : e.from === id)).map((e) => ({ id: g.direction === 'upstream' ? e.from : e.to, relation: e.relation }));
  const describe = (id: string) => {
    const n = byId.get(id);
    if (!n) return id;
    const attrs = Object.entries(n.attributes).filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}=${String(v).length > 40 ? `${String(v).slice(0, 12)}…` : v}`);
    return `${n.label}  [${n.kind}]${attrs.length ? `  ${attrs.join(' ')}` : ''}`;
  };
  const lines = [`${g.direction} of ${g.root}`, `  ${describe(g.root)}`];
  const seen = new Set([g.root]);
  const walk = (id: string, depth: number) => {
    for (const { id: child, relation } of next(id)) {
      const arrow = g.direction === 'upstream' ? '←' : '→';
      lines.push(`${'  '.repeat(depth + 1)}${arrow} ${relation}  ${describe(child)}`);
      if (!seen.has(child)) {
        seen.add(child);
        walk(child, depth + 1);
      }
    }
  };
  walk(g.root, 1);
  if (g.nodes.length === 1) lines.push(`  (no ${g.direction} lineage recorded)`);
  return lines.join('\n');
}

export function lineageCommand(program: Command): void {
  program
    .command('lineage')
    .description('Show where a model version, dataset version or run came from, or what it feeds.')
    .argument('<ref>', 'model:<name>/<version>, dataset:<name>/<version|latest> or run:<run id>')
    .option('--downstream', 'what this feeds (default: where it came from)')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print the graph as JSON')
    .addHelpText('after', `
Examples:
  $ flywheel lineage model:churn/3                 # runs, datasets and code that produced version 3
  $ flywheel lineage dataset:yarn-sales/2 --downstream   # runs and model versions that used it
  $ flywheel lineage run:1f0c… --json`)
    .action(async (ref: string, opts: { downstream?: boolean; url?: string; json?: boolean }) => {
      const g = await new ApiClient(opts.url).request<Graph>('GET', '/api/v1/lineage', { query: { ref, direction: opts.downstream ? 'downstream' : 'upstream' } });
      output(opts.json, g, () => renderLineage(g));
    });
}
