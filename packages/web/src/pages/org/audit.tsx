import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { OpsAsync, isForbidden, NotAvailable } from '../../components/ops-common';
import { ErrorBox, Loading } from '../../components/states';
import type { AuditEntry, VerifyResult } from './types';

const FILTERS = ['actor', 'action', 'resource', 'team', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const PAGE = 100;

/** Short JSON of a before/after value. */
const brief = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = JSON.stringify(v);
  return s.length > 140 ? `${s.slice(0, 139)}…` : s;
};

type Change = { path: string; before: unknown; after: unknown };
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What a change changed: the paths whose values differ (config.variants[0].weight: 50 → 80), at most `limit`. */
export function changedPaths(before: unknown, after: unknown, limit = 6, path = '', out: Change[] = []): Change[] {
  if (out.length >= limit) return out;
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = Array.isArray(before) ? Array.from({ length: Math.max(before.length, (after as unknown as unknown[]).length) }, (_, i) => String(i)) : [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) {
      const p = Array.isArray(before) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      changedPaths((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], limit, p, out);
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path: path || 'value', before, after });
  return out;
}

function ChangeView({ before, after }: { before: unknown; after: unknown }) {
  const has = (v: unknown) => v !== null && v !== undefined;
  if (has(before) && has(after)) {
    const diff = changedPaths(before, after, 7);
    if (diff.length === 0) return <span className="muted">no difference</span>;
    return (
      <ul className="org-diff">
        {diff.slice(0, 6).map((d) => (
          <li key={d.path}>
            <code>{d.path}</code>: {brief(d.before) || '—'} → {brief(d.after) || '—'}
          </li>
        ))}
        {diff.length > 6 && <li className="muted">and more</li>}
      </ul>
    );
  }
  if (has(after)) return <><span className="muted">after </span><code>{brief(after)}</code></>;
  if (has(before)) return <><span className="muted">before </span><code>{brief(before)}</code></>;
  return null;
}

/** The audit log with filters (kept in the URL, so a filtered view can be shared) and the hash chain's verification. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : [])));
  const key = FILTERS.map((k) => filters[k] ?? '').join('\u0000');
  const [draft, setDraft] = useState<Filters>(filters);
  // The URL is the source of truth: a new filter set (link, back button) refills the form.
  useEffect(() => setDraft(filters), [key]);

  const verify = useApi((signal) => api.get<VerifyResult>('/api/v1/audit/verify', undefined, signal), []);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    setEntries(null);
    setError(null);
    api.get<{ entries: AuditEntry[]; nextPageToken?: string }>('/api/v1/audit', { ...filters, maxResults: PAGE }, ctl.signal).then(
      (r) => {
        setEntries(r.entries);
        setNext(r.nextPageToken);
      },
      (e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      },
    );
    return () => ctl.abort();
  }, [key]);

  const more = async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const r = await api.get<{ entries: AuditEntry[]; nextPageToken?: string }>('/api/v1/audit', { ...filters, maxResults: PAGE, pageToken: next });
      setEntries((e) => [...(e ?? []), ...r.entries]);
      setNext(r.nextPageToken);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setLoadingMore(false);
    }
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of FILTERS) if (draft[k]?.trim()) p.set(k, draft[k]!.trim());
    setParams(p);
  };

  if (error && isForbidden(error)) return <Page title="Audit log"><NotAvailable what="the audit log (platform admins only)" /></Page>;
  return (
    <Page title="Audit log" subtitle="Every change, who made it and from where — a hash chain makes tampering visible">
      <Panel title="Chain verification" actions={<button type="button" onClick={verify.reload}>Verify again</button>}>
        <OpsAsync state={verify} what="the verification">
          {(v) =>
            v.ok ? (
              <p role="status" className="org-verify">
                <Badge tone="good">chain intact</Badge> {v.checked} entries checked, up to #{v.lastSeq}; head <code title={v.headHash}>{v.headHash.slice(0, 16)}…</code>
              </p>
            ) : (
              <p role="alert" className="org-verify">
                <Badge tone="bad">chain broken</Badge> at entry #{v.firstBrokenSeq}: {v.reason}
              </p>
            )
          }
        </OpsAsync>
      </Panel>
      <Panel title="Entries">
        <form className="inline org-filters" onSubmit={apply} aria-label="Filter the audit log">
          {(
            [
              ['actor', 'Actor', 'ada'],
              ['action', 'Action', 'project.* or deployment.updated'],
              ['resource', 'Resource', 'project:churn'],
              ['team', 'Team', ''],
              ['since', 'Since', '2026-11-01'],
              ['until', 'Until', ''],
            ] as const
          ).map(([k, label, placeholder]) => (
            <label key={k}>
              {label}
              <input value={draft[k] ?? ''} placeholder={placeholder} onChange={(e) => setDraft((d) => ({ ...d, [k]: e.target.value }))} size={k === 'action' ? 24 : 14} />
            </label>
          ))}
          <button type="submit" className="primary">
            Filter
          </button>
          {Object.keys(filters).length > 0 && (
            <button type="button" onClick={() => setParams(new URLSearchParams())}>
              Clear
            </button>
          )}
        </form>
        {error && <ErrorBox error={error} />}
        {entries === null ? (
          !error && <Loading what="audit entries" />
        ) : entries.length === 0 ? (
          <p className="muted">No entry matches{Object.keys(filters).length ? ' these filters' : ' yet: changes (deployments, projects, policies, models…) are recorded here as they happen'}.</p>
        ) : (
          <>
            <table className="simple org-audit">
              <thead>
                <tr>
                  <th scope="col" className="num">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Team</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.seq}>
                    <td className="num">{e.seq}</td>
                    <td>
                      <When at={e.ts} />
                    </td>
                    <td>
                      {e.actor}
                      {e.source && <span className="muted"> ({e.source})</span>}
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.resourceType}:{e.resourceId}
                    </td>
                    <td>{e.team ?? <span className="muted">—</span>}</td>
                    <td className="org-change">
                      <ChangeView before={e.before} after={e.after} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next && (
              <button type="button" onClick={() => void more()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load older entries'}
              </button>
            )}
          </>
        )}
      </Panel>
    </Page>
  );
}
