import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Badge, Page, When } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { listDatasets, type OwnedDataset } from './datasets-api';

const columns: Column<OwnedDataset>[] = [
  { key: 'name', header: 'Dataset', render: (d) => <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>, sort: (d) => d.name.toLowerCase(), width: 'minmax(12rem, 1.5fr)' },
  { key: 'latest', header: 'Latest version', render: (d) => (d.latestVersion ? <Link to={`/datasets/${encodeURIComponent(d.name)}/versions/${d.latestVersion}`}>v{d.latestVersion}</Link> : '—'), sort: (d) => d.latestVersion, width: '8rem', align: 'right' },
  { key: 'visibility', header: 'Visibility', render: (d) => (d.ownerTeam === null ? <Badge>shared</Badge> : <Badge tone="info">{d.visibility}</Badge>), width: '7rem' },
  { key: 'updated', header: 'Updated', render: (d) => <When at={d.updatedAt} />, sort: (d) => d.updatedAt },
  { key: 'description', header: 'Description', render: (d) => d.description, width: 'minmax(12rem, 2fr)' },
];

/** Registered datasets: versioned files (or URIs) with schema, profile and datasheet. */
export function DatasetsPage() {
  const state = useApi(listDatasets, []);
  const [q, setQ] = useState('');
  return (
    <Page title="Datasets" subtitle="Versioned training and evaluation data, profiled when registered.">
      <Async state={state} what="datasets">
        {(all) =>
          all.length === 0 ? (
            <Empty title="No datasets yet">
              Register a CSV or Parquet file: <code>npx flywheel datasets register my-data train.csv</code>. Each new content becomes a version, profiled column by column.
            </Empty>
          ) : (
            <DatasetTable all={all} q={q} setQ={setQ} />
          )
        }
      </Async>
    </Page>
  );
}

function DatasetTable({ all, q, setQ }: { all: OwnedDataset[]; q: string; setQ: (s: string) => void }) {
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return needle ? all.filter((d) => d.name.toLowerCase().includes(needle) || d.description.toLowerCase().includes(needle)) : all;
  }, [all, q]);
  return (
    <>
      <div className="toolbar">
        <label className="grow">
          Search datasets
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="name or description" />
        </label>
        <span className="muted">
          {shown.length} of {all.length}
        </span>
      </div>
      {shown.length ? <DataTable label="Datasets" rows={shown} columns={columns} rowKey={(d) => d.name} /> : <Empty title="No dataset matches">Try another word.</Empty>}
    </>
  );
}
