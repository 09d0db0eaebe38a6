import { Link, useParams } from 'react-router-dom';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Badge, Page, Panel, When } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { getModel, listVersions, type MlflowVersion } from './models-api';

/** A registered model: its aliases and every version. */
export function ModelPage() {
  const { name = '' } = useParams();
  const model = useApi((signal) => getModel(name, signal), [name]);
  const versions = useApi((signal) => listVersions(name, signal), [name]);
  const columns: Column<MlflowVersion>[] = [
    { key: 'version', header: 'Version', render: (v) => <Link to={`/models/${encodeURIComponent(name)}/versions/${v.version}`}>v{v.version}</Link>, sort: (v) => Number(v.version), width: '7rem' },
    { key: 'aliases', header: 'Aliases', render: (v) => (v.aliases ?? []).map((a) => <Badge key={a} tone="info">@{a}</Badge>), width: 'minmax(8rem, 1fr)' },
    { key: 'stage', header: 'Stage', render: (v) => v.current_stage, sort: (v) => v.current_stage, width: '7rem' },
    { key: 'created', header: 'Registered', render: (v) => <When at={v.creation_timestamp} />, sort: (v) => v.creation_timestamp },
    { key: 'run', header: 'From run', render: (v) => (v.run_id ? <Link to={`/runs/${v.run_id}`}>{v.run_id.slice(0, 12)}</Link> : <span className="muted">—</span>) },
    { key: 'user', header: 'By', render: (v) => v.user_id ?? '' , width: '8rem' },
  ];
  return (
    <GuardedAsync state={model} what="model">
      {(m) => (
        <Page
          title={m.name}
          subtitle={
            <>
              <Link to="/models">Registered models</Link> · created <When at={m.creationTimestamp} />
            </>
          }
        >
          {m.description && <p>{m.description}</p>}
          <div className="grid-2">
            <Panel title="Aliases">
              {m.aliases.length === 0 ? (
                <p className="muted">
                  No aliases. A deployment can follow one: <code>mlflow.MlflowClient().set_registered_model_alias('{m.name}', 'champion', 1)</code>.
                </p>
              ) : (
                <ul className="plain">
                  {m.aliases.map((a) => (
                    <li key={a.alias}>
                      <Badge tone="info">@{a.alias}</Badge> → <Link to={`/models/${encodeURIComponent(m.name)}/versions/${a.version}`}>v{a.version}</Link>
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <Panel title="Tags">
              {m.tags.length === 0 ? (
                <p className="muted">No tags.</p>
              ) : (
                <dl className="facts">
                  {m.tags.map((t) => (
                    <div key={t.key} className="contents">
                      <dt>{t.key}</dt>
                      <dd>{t.value}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </Panel>
          </div>
          <Panel title="Versions">
            <Async state={versions} what="versions">
              {(vs) => (vs.length ? <DataTable label="Model versions" rows={vs} columns={columns} rowKey={(v) => v.version} height={400} /> : <Empty title="No versions yet">Register a version from a run.</Empty>)}
            </Async>
          </Panel>
        </Page>
      )}
    </GuardedAsync>
  );
}
