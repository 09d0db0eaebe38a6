import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useCanWrite } from '../../api/session';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Badge, Page, Panel, When } from '../../components/page';
import { Async, Empty, ErrorBox } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { duration } from '../tracking/tracking-api';
import { getPipeline, listRuns, startRun, STATE_TONE, type Pipeline, type PipelineRun, type StepDef } from './pipelines-api';

/** A pipeline: its steps as defined, and its runs. */
export function PipelinePage() {
  const { name = '' } = useParams();
  const pipeline = useApi((signal) => getPipeline(name, signal), [name]);
  return <GuardedAsync state={pipeline} what="pipeline">{(p) => <PipelineView p={p} />}</GuardedAsync>;
}

function inputText(i: NonNullable<StepDef['inputs']>[number]): string {
  if ('from' in i) return i.from;
  if ('dataset' in i) return `dataset ${i.dataset}@${i.version}`;
  return i.artifact;
}

function PipelineView({ p }: { p: Pipeline }) {
  const runs = useApi((signal) => listRuns(p.name, signal), [p.name]);
  const canWrite = useCanWrite();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await startRun(p.name);
      navigate(`/pipelines/${encodeURIComponent(p.name)}/runs/${run.id}`);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };
  const columns: Column<PipelineRun>[] = [
    { key: 'id', header: 'Run', render: (r) => <Link to={`/pipelines/${encodeURIComponent(p.name)}/runs/${r.id}`}>{r.id.slice(0, 12)}</Link>, width: '9rem' },
    { key: 'state', header: 'State', render: (r) => <Badge tone={STATE_TONE[r.state] ?? 'neutral'}>{r.state}</Badge>, sort: (r) => r.state, width: '7rem' },
    { key: 'version', header: 'Def.', render: (r) => `v${r.version}`, sort: (r) => r.version, width: '4.5rem', align: 'right' },
    { key: 'created', header: 'Queued', render: (r) => <When at={r.createdAt} />, sort: (r) => r.createdAt },
    { key: 'duration', header: 'Duration', render: (r) => duration(r.startedAt, r.finishedAt), sort: (r) => (r.startedAt && r.finishedAt ? r.finishedAt - r.startedAt : null), width: '7rem', align: 'right' },
    { key: 'steps', header: 'Steps', render: (r) => `${r.steps.filter((s) => s.state === 'succeeded').length}/${r.steps.length} succeeded`, width: '9rem' },
    { key: 'error', header: 'Error', render: (r) => <span title={r.error ?? undefined}>{r.error ?? ''}</span> },
  ];
  return (
    <Page
      title={p.name}
      subtitle={
        <>
          <Link to="/pipelines">Pipelines</Link> · version {p.version}, registered <When at={p.createdAt} />
        </>
      }
      actions={
        canWrite ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
            Start a run
          </button>
        ) : undefined
      }
    >
      {p.description && <p>{p.description}</p>}
      {error && <ErrorBox error={error} />}
      <Panel title={`Steps (${p.definition.steps.length})`}>
        <table className="simple">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Command</th>
              <th scope="col">After</th>
              <th scope="col">Inputs</th>
              <th scope="col">Params</th>
            </tr>
          </thead>
          <tbody>
            {p.definition.steps.map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td className="wrap">
                  <code>{s.command.join(' ').slice(0, 200)}</code>
                </td>
                <td>{s.dependsOn?.join(', ') ?? ''}</td>
                <td>{s.inputs?.map(inputText).join(', ') ?? ''}</td>
                <td>
                  {Object.entries(s.params ?? {})
                    .map(([k, d]) => `${k}: ${d.type}${d.default !== undefined ? ` = ${String(d.default)}` : ' (required)'}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="Runs">
        <Async state={runs} what="runs">
          {(rs) =>
            rs.length ? (
              <DataTable label="Pipeline runs" rows={rs} columns={columns} rowKey={(r) => r.id} height={420} />
            ) : (
              <Empty title="No runs yet">
                Start one here or with <code>npx flywheel pipeline run {p.name}</code>.
              </Empty>
            )
          }
        </Async>
      </Panel>
    </Page>
  );
}
