import { Link } from 'react-router-dom';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Page, When } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { listPipelines, type Pipeline } from './pipelines-api';

const columns: Column<Pipeline>[] = [
  { key: 'name', header: 'Pipeline', render: (p) => <Link to={`/pipelines/${encodeURIComponent(p.name)}`}>{p.name}</Link>, sort: (p) => p.name.toLowerCase(), width: 'minmax(12rem, 1.5fr)' },
  { key: 'version', header: 'Version', render: (p) => `v${p.version}`, sort: (p) => p.version, width: '6rem', align: 'right' },
  { key: 'steps', header: 'Steps', render: (p) => p.definition.steps.map((s) => s.name).join(' → '), width: 'minmax(12rem, 2fr)' },
  { key: 'created', header: 'Registered', render: (p) => <When at={p.createdAt} />, sort: (p) => p.createdAt },
  { key: 'description', header: 'Description', render: (p) => p.description },
];

/** Registered pipelines (their latest definitions). */
export function PipelinesPage() {
  const state = useApi(listPipelines, []);
  return (
    <Page title="Pipelines" subtitle="Steps run as processes in order, each logging into its own MLflow run.">
      <Async state={state} what="pipelines">
        {(all) =>
          all.length === 0 ? (
            <Empty title="No pipelines yet">
              Describe the steps in a JSON or YAML file and register it: <code>npx flywheel pipeline register train.json</code>, then <code>npx flywheel pipeline run train</code>.
            </Empty>
          ) : (
            <DataTable label="Pipelines" rows={all} columns={columns} rowKey={(p) => p.name} />
          )
        }
      </Async>
    </Page>
  );
}
