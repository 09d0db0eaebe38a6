import { Link, useParams } from 'react-router-dom';
import type { DatasetVersion } from '@flywheel/contract';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Page, Panel, When } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { getDataset, listDatasetVersions } from './datasets-api';

/** A dataset and its versions. */
export function DatasetPage() {
  const { name = '' } = useParams();
  const dataset = useApi((signal) => getDataset(name, signal), [name]);
  const versions = useApi((signal) => listDatasetVersions(name, signal), [name]);
  const columns: Column<DatasetVersion>[] = [
    { key: 'version', header: 'Version', render: (v) => <Link to={`/datasets/${encodeURIComponent(name)}/versions/${v.version}`}>v{v.version}</Link>, sort: (v) => v.version, width: '6rem' },
    { key: 'format', header: 'Format', render: (v) => v.format, width: '6rem' },
    { key: 'rows', header: 'Rows', render: (v) => v.rowCount?.toLocaleString() ?? '—', sort: (v) => v.rowCount, align: 'right', width: '8rem' },
    { key: 'columns', header: 'Columns', render: (v) => v.schema?.length ?? '—', sort: (v) => v.schema?.length, align: 'right', width: '6rem' },
    { key: 'hash', header: 'Content hash', render: (v) => (v.contentHash ? <code title={v.contentHash}>{v.contentHash.slice(0, 12)}</code> : <span className="muted">—</span>) },
    { key: 'created', header: 'Registered', render: (v) => <When at={v.createdAt} />, sort: (v) => v.createdAt },
    { key: 'by', header: 'By', render: (v) => v.createdBy ?? '', width: '7rem' },
  ];
  return (
    <GuardedAsync state={dataset} what="dataset">
      {(d) => (
        <Page
          title={d.name}
          subtitle={
            <>
              <Link to="/datasets">Datasets</Link> · created <When at={d.createdAt} />
            </>
          }
        >
          {d.description && <p>{d.description}</p>}
          <Panel title="Versions">
            <Async state={versions} what="versions">
              {(vs) =>
                vs.length ? (
                  <DataTable label="Dataset versions" rows={vs} columns={columns} rowKey={(v) => String(v.version)} height={420} />
                ) : (
                  <Empty title="No versions yet">
                    Register a file: <code>npx flywheel datasets register {d.name} data.csv</code>.
                  </Empty>
                )
              }
            </Async>
          </Panel>
        </Page>
      )}
    </GuardedAsync>
  );
}
