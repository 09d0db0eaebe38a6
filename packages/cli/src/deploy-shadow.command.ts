import type { Command } from 'commander';
import { ApiClient } from './client.js';
import { parseSince } from './deploy-config.js';
import { when } from './deploy-render.js';
import { output } from './output.js';
import { table } from './table.js';

interface ShadowReportView {
  deployment: string;
  since: number;
  until: number;
  queue: { queued: number; running: number; concurrency: number; maxQueue: number };
  shadows: Array<{
    variant: string;
    configured: boolean;
    loaded?: boolean;
    sample: number;
    counts: { mirrored: number; completed: number; failed: number; shed: number };
    agreement?: { compared: number; agreed: number; rate: number | null; kind: string | null; meanAbsDiff: number | null; incomparable: number; truncated: boolean };
  }>;
}

const pct = (r: number | null | undefined) => (r === null || r === undefined ? '' : `${(r * 100).toFixed(1)}%`);

export function renderShadowReport(r: ShadowReportView): string {
  if (r.shadows.length === 0) return `${r.deployment} has no shadow variants.`;
  return [
    `${r.deployment}: shadows from ${when(r.since)} to ${when(r.until)}  (queue ${r.queue.queued}/${r.queue.maxQueue}, running ${r.queue.running}/${r.queue.concurrency})`,
    '',
    table(
      ['shadow', 'sample', 'mirrored', 'completed', 'failed', 'shed', 'compared', 'agreement', 'mean |diff|', ''],
      r.shadows.map((s) => [
        s.variant,
        String(s.sample),
        String(s.counts.mirrored),
        String(s.counts.completed),
        String(s.counts.failed),
        String(s.counts.shed),
        String(s.agreement?.compared ?? ''),
        pct(s.agreement?.rate),
        s.agreement?.meanAbsDiff === null || s.agreement?.meanAbsDiff === undefined ? '' : s.agreement.meanAbsDiff.toPrecision(3),
        [s.configured ? '' : 'no longer configured', s.loaded === false ? 'not loaded' : ''].filter(Boolean).join(', '),
      ]),
    ),
  ].join('\n');
}

export function shadowCommand(deploy: Command): void {
  deploy
    .command('shadow')
    .description("A deployment's shadow variants: copies mirrored, completed, failed and shed, and agreement with the answered outputs.")
    .argument('<name>', 'deployment name')
    .option('--since <when>', 'agreement window start: a span back from now (15m, 2h, 7d), an ISO date or ms since epoch (default 24h)')
    .option('--url <url>', 'Flywheel server URL (default $FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel deploy shadow churn
  $ flywheel deploy shadow churn --since 1h --json`)
    .action(async (name: string, opts: { since?: string; url?: string; json?: boolean }) => {
      const since = opts.since === undefined ? undefined : String(parseSince(opts.since));
      const r = await new ApiClient(opts.url).request<ShadowReportView>('GET', `/api/v1/deployments/${encodeURIComponent(name)}/shadow`, { query: { since } });
      output(opts.json, r, () => renderShadowReport(r));
    });
}
