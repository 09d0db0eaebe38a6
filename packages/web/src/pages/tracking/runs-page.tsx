import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Badge, Page, When } from '../../components/page';
import { ErrorBox, Empty, Loading } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { ColumnPicker, useChosenColumns } from './column-picker';
import { duration, fmt, getExperiment, MAX_TABLE_RUNS, searchAllRuns, STATUS_TONE, type RunRow } from './tracking-api';

interface RunsState {
  rows: RunRow[];
  done: boolean;
  error: Error | null;
}

/** Loads the runs matching the filter, showing each page as it arrives; a new filter cancels the old search. */
function useRuns(experimentId: string, filter: string): RunsState {
  const [state, setState] = useState<RunsState>({ rows: [], done: false, error: null });
  useEffect(() => {
    const ctl = new AbortController();
    setState({ rows: [], done: false, error: null });
    searchAllRuns(experimentId, filter, ctl.signal, (rows, done) => {
      if (!ctl.signal.aborted) setState({ rows, done, error: null });
    }).catch((e: unknown) => {
      if (!ctl.signal.aborted) setState({ rows: [], done: true, error: e instanceof Error ? e : new Error(String(e)) });
    });
    return () => ctl.abort();
  }, [experimentId, filter]);
  return state;
}

const FILTER_EXAMPLE = "metrics.rmse < 0.8 and params.model = 'xgb'";

/** An experiment's runs: a virtualized table with the metric and param columns the user picks, a filter in MLflow's syntax, and compare. */
export function RunsPage() {
  const { experimentId = '' } = useParams();
  const experiment = useApi((signal) => getExperiment(experimentId, signal), [experimentId]);
  return (
    <GuardedAsync state={experiment} what="experiment">
      {(exp) => (
        <Page
          title={exp.name}
          subtitle={
            <>
              <Link to="/experiments">Experiments</Link> · experiment {exp.experimentId} · created <When at={exp.creationTime} />
            </>
          }
        >
          <RunTable experimentId={experimentId} />
        </Page>
      )}
    </GuardedAsync>
  );
}

function RunTable({ experimentId }: { experimentId: string }) {
  const [params, setParams] = useSearchParams();
  const filter = params.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const runs = useRuns(experimentId, filter);
  const navigate = useNavigate();
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const available = useMemo(() => {
    const metrics = new Set<string>();
    const ps = new Set<string>();
    for (const r of runs.rows) {
      for (const k in r.metrics) metrics.add(k);
      for (const k in r.params) ps.add(k);
    }
    return { metrics: [...metrics].sort(), params: [...ps].sort() };
  }, [runs.rows]);
  const [chosen, setChosen] = useChosenColumns(experimentId, available, runs.done && !runs.error && runs.rows.length > 0);

  const columns = useMemo<Column<RunRow>[]>(
    () => [
      { key: 'name', header: 'Run', render: (r) => <Link to={`/runs/${r.id}`}>{r.name || r.id.slice(0, 8)}</Link>, sort: (r) => r.name.toLowerCase(), width: 'minmax(11rem, 1.6fr)' },
      { key: 'status', header: 'Status', render: (r) => <Badge tone={STATUS_TONE[r.status] ?? 'neutral'}>{r.status.toLowerCase()}</Badge>, sort: (r) => r.status, width: '6.5rem' },
      { key: 'start', header: 'Started', render: (r) => <When at={r.start} />, sort: (r) => r.start, width: 'minmax(10rem, 1fr)' },
      { key: 'duration', header: 'Duration', render: (r) => duration(r.start, r.end), sort: (r) => (r.end ? r.end - r.start : null), width: '6.5rem', align: 'right' },
      ...chosen.metrics.map<Column<RunRow>>((k) => ({
        key: `m:${k}`,
        header: <span title={`metrics.${k}`}>{k}</span>,
        render: (r) => fmt(r.metrics[k]),
        // NaN sorts with the missing values, last: it is no better or worse than anything.
        sort: (r) => (r.metrics[k] === undefined || Number.isNaN(r.metrics[k]) ? null : r.metrics[k]),
        align: 'right',
      })),
      ...chosen.params.map<Column<RunRow>>((k) => ({
        key: `p:${k}`,
        header: <span title={`params.${k}`}>{k}</span>,
        render: (r) => r.params[k] ?? '',
        sort: (r) => {
          const v = r.params[k];
          if (v === undefined) return null;
          const n = Number(v);
          return v.trim() !== '' && Number.isFinite(n) ? n : v;
        },
      })),
    ],
    [chosen],
  );

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setSelected(new Set());
    const next = new URLSearchParams(params);
    if (draft.trim()) next.set('filter', draft.trim());
    else next.delete('filter');
    setParams(next);
  };
  const compare = () => navigate(`/experiments/${experimentId}/compare?runs=${[...selected].map(encodeURIComponent).join(',')}`);

  return (
    <>
      <form className="toolbar" onSubmit={apply} role="search">
        <label className="grow">
          Filter runs (MLflow syntax)
          <input type="search" className="code" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={FILTER_EXAMPLE} spellCheck={false} />
        </label>
        <button type="submit" className="primary">
          Apply
        </button>
        {filter && (
          <button
            type="button"
            onClick={() => {
              setDraft('');
              setParams(new URLSearchParams());
            }}
          >
            Clear
          </button>
        )}
        <ColumnPicker available={available} chosen={chosen} onChange={setChosen} />
        <button type="button" disabled={selected.size < 2} onClick={compare} title={selected.size < 2 ? 'Select two runs or more to compare' : undefined}>
          Compare {selected.size ? `(${selected.size})` : ''}
        </button>
      </form>
      <details className="filter-help">
        <summary>Filter syntax</summary>
        <p>
          Clauses joined by <code>and</code>: <code>metrics.&lt;key&gt;</code> against numbers (<code>= != &lt; &lt;= &gt; &gt;=</code>); <code>params.&lt;key&gt;</code> and <code>tags.&lt;key&gt;</code>{' '}
          against quoted strings (<code>= != LIKE ILIKE</code>, <code>IS NULL</code>); <code>attributes.status</code> and <code>attributes.run_name</code> also take <code>IN ('a', 'b')</code>. Keys with
          spaces or dots go in backticks.
        </p>
        <ul>
          <li>
            <code>metrics.accuracy &gt; 0.9 and params.model = 'xgb'</code>
          </li>
          <li>
            <code>attributes.status = 'FAILED'</code>
          </li>
          <li>
            <code>tags.team ILIKE 'growth%'</code>
          </li>
        </ul>
      </details>
      {runs.error ? (
        runs.error instanceof ApiError && runs.error.status === 400 && filter ? (
          <div className="state error" role="alert">
            <strong>The server cannot use this filter.</strong> {runs.error.message}
          </div>
        ) : (
          <ErrorBox error={runs.error} />
        )
      ) : runs.rows.length === 0 && !runs.done ? (
        <Loading what="runs" />
      ) : runs.rows.length === 0 ? (
        filter ? (
          <Empty title="No run matches this filter">
            Loosen it, or clear it to see every run. Example: <code>{FILTER_EXAMPLE}</code>
          </Empty>
        ) : (
          <Empty title="No runs in this experiment yet">
            Start one with the MLflow client: <code>mlflow.set_experiment(…)</code> then <code>with mlflow.start_run(): mlflow.log_metric('loss', 0.5)</code>.
          </Empty>
        )
      ) : (
        <>
          <p className="table-status muted" aria-live="polite">
            {runs.rows.length.toLocaleString()} {runs.rows.length === 1 ? 'run' : 'runs'}{runs.done ? '' : ', loading more…'}
            {runs.rows.length >= MAX_TABLE_RUNS && ` (the first ${MAX_TABLE_RUNS.toLocaleString()}; filter to narrow)`}
            {selected.size > 0 && (
              <>
                {' · '}
                {selected.size} selected{' '}
                <button type="button" className="link" onClick={() => setSelected(new Set())}>
                  clear selection
                </button>
              </>
            )}
          </p>
          <div className="runs-table">
            <DataTable label="Runs" rows={runs.rows} columns={columns} rowKey={(r) => r.id} selected={selected} onToggle={toggle} height={560} />
          </div>
        </>
      )}
    </>
  );
}
