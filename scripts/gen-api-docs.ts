// Writes docs/api/openapi.json and docs/api/README.md from the OpenAPI document the server itself
// serves (`GET /api/v1/openapi.json`): one source for validation, serialization and the reference.
// Run: npm run docs:api
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildPlatform, loadConfig } from '@flywheel/server';

type Op = { summary?: string; description?: string; tags?: string[]; parameters?: { name: string; in: string; required?: boolean; schema?: { type?: string }; description?: string }[]; requestBody?: unknown; responses?: Record<string, unknown> };

/** The OpenAPI document of a freshly built platform (throwaway SQLite, nothing listens). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-api-docs-'));
  try {
    const platform = await buildPlatform(loadConfig({ dataDir: dir, port: 0 }, {}), { logger: pino({ level: 'silent' }) });
    try {
      const res = await platform.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      return res.json() as Record<string, unknown>;
    } finally {
      await platform.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference as Markdown: operations grouped by tag, with their parameters and statuses. */
export function renderMarkdown(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, Op>>;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      const params = (op.parameters ?? []).map((p) => `\`${p.name}\` (${p.in}${p.required ? ', required' : ''})`).join(', ');
      const statuses = Object.keys(op.responses ?? {}).join(', ');
      const lines = [`### \`${method.toUpperCase()} ${path}\``, '', op.summary ?? '', ''];
      if (op.description) lines.push(op.description, '');
      if (params) lines.push(`Parameters: ${params}`, '');
      if (op.requestBody) lines.push('Body: JSON (schema in `openapi.json`).', '');
      if (statuses) lines.push(`Answers: ${statuses}`, '');
      (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(lines.join('\n'));
    }
  }
  const info = doc.info as { title: string; version: string; description?: string };
  const out = [
    `# ${info.title} ${info.version} — API reference`,
    '',
    'Generated from the OpenAPI document the server serves at `GET /api/v1/openapi.json` (`npm run docs:api`); the',
    'machine-readable copy is [`openapi.json`](openapi.json). Errors are `{"error": {"code", "message"}}` with the',
    "catalogue's status; the MLflow API (`/api/2.0/mlflow/…`) answers MLflow's own shapes and is documented by MLflow.",
    '',
    ...[...byTag.keys()].sort().map((t) => `- [${t}](#${t.toLowerCase().replace(/[^a-z0-9]+/g, '-')})`),
    '',
  ];
  for (const tag of [...byTag.keys()].sort()) out.push(`## ${tag}`, '', ...byTag.get(tag)!);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const doc = await openApiDocument();
  const root = new URL('../docs/api/', import.meta.url).pathname;
  writeFileSync(join(root, 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(join(root, 'README.md'), renderMarkdown(doc));
  process.stdout.write(`wrote docs/api/openapi.json and docs/api/README.md (${Object.keys(doc.paths as object).length} paths)\n`);
}
