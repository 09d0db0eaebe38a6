import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { Experiment } from '@flywheel/contract';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Page, When } from '../../components/page';
import { Async, Empty } from '../../components/states';

const columns: Column<Experiment>[] = [
  { key: 'name', header: 'Name', render: (e) => <Link to={`/experiments/${e.experimentId}`}>{e.name}</Link>, sort: (e) => e.name.toLowerCase(), width: 'minmax(14rem, 2fr)' },
  { key: 'experimentId', header: 'ID', sort: (e) => Number(e.experimentId), width: '6rem', align: 'right' },
  { key: 'created', header: 'Created', render: (e) => <When at={e.creationTime} />, sort: (e) => e.creationTime },
  { key: 'updated', header: 'Last updated', render: (e) => <When at={e.lastUpdateTime} />, sort: (e) => e.lastUpdateTime },
];

/** Every experiment the caller may read, searchable by name. */
export function ExperimentsPage() {
  const state = useApi((signal) => api.get<{ experiments: Experiment[] }>('/api/v1/experiments', { maxResults: 50000 }, signal), []);
  const [q, setQ] = useState('');
  const origin = window.location.origin;
  return (
    <Page title="Experiments" subtitle="Training runs grouped by experiment, logged with the MLflow client or Flywheel pipelines.">
      <Async state={state} what="experiments">
        {({ experiments }) =>
          experiments.length === 0 ? (
            <Empty title="No experiments yet">
              Log a run with the MLflow client pointed at this server: <code>MLFLOW_TRACKING_URI={origin} python train.py</code>, or run <code>npx flywheel demo</code>.
            </Empty>
          ) : (
            <ExperimentTable experiments={experiments} q={q} setQ={setQ} />
          )
        }
      </Async>
    </Page>
  );
}

function ExperimentTable({ experiments, q, setQ }: { experiments: Experiment[]; q: string; setQ: (s: string) => void }) {
  // Most recently active first: where a user usually wants to go back to.
  const recent = useMemo(() => [...experiments].sort((a, b) => b.lastUpdateTime - a.lastUpdateTime), [experiments]);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return needle ? recent.filter((e) => e.name.toLowerCase().includes(needle) || e.experimentId === needle) : recent;
  }, [recent, q]);
  return (
    <>
      <div className="toolbar">
        <label className="grow">
          Search experiments
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="name or id" />
        </label>
        <span className="muted">
          {shown.length} of {experiments.length}
        </span>
      </div>
      {shown.length ? <DataTable label="Experiments" rows={shown} columns={columns} rowKey={(e) => e.experimentId} /> : <Empty title="No experiment matches">Try another part of the name.</Empty>}
    </>
  );
}
