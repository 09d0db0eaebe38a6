import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { output } from './output.js';
import { table } from './table.js';

interface CatalogItem {
  kind: string;
  name: string;
  description: string;
  team: string | null;
  visibility: string | null;
  path: string;
  updatedAt: number | null;
  matched: string[];
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `flywheel catalog search <query>`: projects, models, datasets, deployments, pipelines and experiments you may read. */
export function catalogCommand(program: Command): void {
  const catalog = program.command('catalog').description('Find work across the platform: projects, models, datasets, deployments, pipelines, experiments.');
  catalog
    .command('search <query>')
    .description('Search by name, description, owner team and tags; only what you may read is shown.')
    .option('--kind <kinds>', 'comma-separated: project, model, dataset, deployment, pipeline, experiment')
    .option('--limit <n>', 'at most this many results (1-500, default 50)')
    .option('--json', 'print JSON')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .addHelpText('after', '\nExamples:\n  $ flywheel catalog search churn\n  $ flywheel catalog search fraud --kind model,deployment')
    .action(async (query: string, o: { kind?: string; limit?: string; json?: boolean; url?: string }) => {
      const res = await new ApiClient(o.url).request<{ items: CatalogItem[]; total: number }>('GET', '/api/v1/catalog/search', { query: { q: query, kind: o.kind, maxResults: o.limit } });
      output(o.json, res, () => {
        if (!res.items.length) return `Nothing matches '${query}' (among what you may read).`;
        const rows = res.items.map((i) => [i.kind, i.name, i.team ?? '', i.visibility ?? '', i.matched.join(','), clip(i.description.replace(/\s+/g, ' '), 60)]);
        const more = res.total > res.items.length ? `\n${res.total - res.items.length} more: narrow the query, or --kind / --limit.` : '';
        return `${table(['KIND', 'NAME', 'TEAM', 'VISIBILITY', 'MATCHED', 'DESCRIPTION'], rows)}${more}`;
      });
    });
}
