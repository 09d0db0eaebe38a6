import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Page, Panel } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { LineageView, withDeployments, type LineageGraph } from './lineage-graph';

/** Loads a lineage graph (and the deployments of its model versions). */
export function useLineage(ref: string | null, direction: 'upstream' | 'downstream') {
  return useApi(ref ? (signal) => api.get<LineageGraph>('/api/v1/lineage', { ref, direction }, signal).then((g) => withDeployments(g, signal)) : null, [ref, direction]);
}

/** Lineage of any model version, dataset version or run, upstream or downstream. */
export function LineagePage() {
  const [params, setParams] = useSearchParams();
  const ref = params.get('ref');
  const direction = params.get('direction') === 'downstream' ? 'downstream' : 'upstream';
  const [draft, setDraft] = useState(ref ?? '');
  useEffect(() => setDraft(ref ?? ''), [ref]);
  const graph = useLineage(ref, direction);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.trim()) setParams({ ref: draft.trim(), direction });
  };
  return (
    <Page title="Lineage" subtitle="Where a model came from, and what a dataset or run fed.">
      <form className="toolbar" onSubmit={submit}>
        <label className="grow">
          Reference
          <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="model:churn/3, dataset:sales/latest or run:<run id>" spellCheck={false} />
        </label>
        <label>
          Direction
          <select value={direction} onChange={(e) => ref && setParams({ ref, direction: e.target.value })}>
            <option value="upstream">upstream (came from)</option>
            <option value="downstream">downstream (feeds)</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Show
        </button>
      </form>
      {!ref ? (
        <Empty title="Name something to trace">
          A model version (<code>model:churn/3</code>), a dataset version (<code>dataset:sales/latest</code>) or a run (<code>run:&lt;id&gt;</code>).
        </Empty>
      ) : (
        <Panel title={`${direction === 'upstream' ? 'Upstream of' : 'Downstream of'} ${ref}`}>
          <Async state={graph} what="the lineage">
            {(g) => <LineageView graph={g} />}
          </Async>
        </Panel>
      )}
    </Page>
  );
}
