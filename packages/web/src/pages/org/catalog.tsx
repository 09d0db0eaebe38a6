import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync } from '../../components/ops-common';
import type { CatalogItem } from './types';

const KINDS = ['project', 'model', 'dataset', 'deployment', 'pipeline', 'experiment'] as const;

/** Where an item lives in the UI (the API answers with its native API path). */
export function uiPathOf(item: CatalogItem): string {
  const n = encodeURIComponent(item.name);
  switch (item.kind) {
    case 'project':
      return `/org/projects/${n}`;
    case 'model':
      return `/models/${n}`;
    case 'dataset':
      return `/datasets/${n}`;
    case 'deployment':
      return `/deployments/${n}`;
    case 'pipeline':
      return `/pipelines/${n}`;
    case 'experiment':
      return `/experiments/${encodeURIComponent(item.path.split('/').pop() ?? item.name)}`;
    default:
      return '/';
  }
}

/** One search over projects, models, datasets, deployments, pipelines and experiments — only what the caller may read. */
export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const kind = params.get('kind') ?? '';
  const [draft, setDraft] = useState(q);
  // Typing searches after a short pause; the URL keeps the query (back button, shared links).
  useEffect(() => {
    if (draft.trim() === q) return;
    const t = setTimeout(() => setParams((p) => {
      const n = new URLSearchParams(p);
      if (draft.trim()) n.set('q', draft.trim());
      else n.delete('q');
      return n;
    }, { replace: true }), 250);
    return () => clearTimeout(t);
  }, [draft, q, setParams]);
  const state = useApi(q ? (signal) => api.get<{ items: CatalogItem[]; total: number }>('/api/v1/catalog/search', { q, kind: kind || undefined, maxResults: 100 }, signal) : null, [q, kind]);
  return (
    <Page title="Catalog" subtitle="Find any project, model, dataset, deployment, pipeline or experiment">
      <form className="inline org-search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label className="org-grow">
          Search the catalog
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="churn, fraud, team name, tag…" autoFocus />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setParams((p) => { const n = new URLSearchParams(p); if (e.target.value) n.set('kind', e.target.value); else n.delete('kind'); return n; })}>
            <option value="">everything</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}s
              </option>
            ))}
          </select>
        </label>
      </form>
      {!q ? (
        <Empty title="Search by name, description, owner team or tag">Results list only what you may read.</Empty>
      ) : (
        <OpsAsync state={state} what="results">
          {({ items, total }) =>
            items.length === 0 ? (
              <Empty title={`Nothing matches “${q}”`}>Try a shorter word, or another kind.</Empty>
            ) : (
              <>
                <p className="muted" role="status">
                  {total} match{total === 1 ? '' : 'es'}
                  {total > items.length ? `, the first ${items.length} shown` : ''}.
                </p>
                <ul className="org-results">
                  {items.map((it) => (
                    <li key={`${it.kind}:${it.name}:${it.path}`}>
                      <Badge tone="info">{it.kind}</Badge> <Link to={uiPathOf(it)}>{it.name}</Link>
                      {it.team && <span className="muted"> · {it.team}</span>}
                      {it.visibility === 'private' && <Badge tone="neutral">private</Badge>}
                      {it.updatedAt !== null && (
                        <span className="muted">
                          {' '}
                          · updated <When at={it.updatedAt} />
                        </span>
                      )}
                      {it.description && <p className="org-result-desc">{it.description}</p>}
                      <p className="muted org-matched">matched: {it.matched.join(', ')}</p>
                    </li>
                  ))}
                </ul>
              </>
            )
          }
        </OpsAsync>
      )}
    </Page>
  );
}
