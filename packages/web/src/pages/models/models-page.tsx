import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { NativeRegisteredModel } from '@flywheel/contract';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Page, When } from '../../components/page';
import { Async, Empty } from '../../components/states';

const latest = (m: NativeRegisteredModel) => m.latestVersions.reduce((n, v) => Math.max(n, Number(v.version)), 0);

const columns: Column<NativeRegisteredModel>[] = [
  { key: 'name', header: 'Model', render: (m) => <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>, sort: (m) => m.name.toLowerCase(), width: 'minmax(14rem, 2fr)' },
  { key: 'latest', header: 'Latest version', render: (m) => (latest(m) ? `v${latest(m)}` : '—'), sort: latest, width: '8rem', align: 'right' },
  { key: 'aliases', header: 'Aliases', render: (m) => m.aliases.map((a) => `@${a.alias} → v${a.version}`).join(', ') || <span className="muted">none</span> },
  { key: 'updated', header: 'Last updated', render: (m) => <When at={m.lastUpdatedTimestamp} />, sort: (m) => m.lastUpdatedTimestamp },
  { key: 'description', header: 'Description', render: (m) => m.description ?? '' },
];

/** The registered models the caller may see. */
export function ModelsPage() {
  const state = useApi((signal) => api.get<{ models: NativeRegisteredModel[] }>('/api/v1/models', { maxResults: 1000 }, signal), []);
  const [q, setQ] = useState('');
  return (
    <Page title="Registered models" subtitle="Versions, model cards, approvals and where each came from.">
      <Async state={state} what="models">
        {({ models }) =>
          models.length === 0 ? (
            <Empty title="No registered models yet">
              Register one from a run: <code>mlflow.register_model('runs:/&lt;run id&gt;/model', 'my-model')</code>, or log it with <code>registered_model_name='my-model'</code>.
            </Empty>
          ) : (
            <ModelTable models={models} q={q} setQ={setQ} />
          )
        }
      </Async>
    </Page>
  );
}

function ModelTable({ models, q, setQ }: { models: NativeRegisteredModel[]; q: string; setQ: (s: string) => void }) {
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const sorted = [...models].sort((a, b) => b.lastUpdatedTimestamp - a.lastUpdatedTimestamp);
    return needle ? sorted.filter((m) => m.name.toLowerCase().includes(needle)) : sorted;
  }, [models, q]);
  return (
    <>
      <div className="toolbar">
        <label className="grow">
          Search models
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="part of the name" />
        </label>
        <span className="muted">
          {shown.length} of {models.length}
        </span>
      </div>
      {shown.length ? <DataTable label="Registered models" rows={shown} columns={columns} rowKey={(m) => m.name} /> : <Empty title="No model matches">Try another part of the name.</Empty>}
    </>
  );
}
