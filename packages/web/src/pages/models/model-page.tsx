import { Link, useParams } from 'react-router-dom';
import { useApi } from '../../api/use-api';
import { DataTable, type Column } from '../../components/data-table';
import { Badge, Page, Panel, When } from '../../components/page';
import { Async, Empty } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import type { ModelVersionDetail } from '@flywheel/contract';
import { APPROVAL_TONE, CARD_STATUS_LABEL, CARD_TONE, getModel, getVersion, listVersions, RISK_TONE, type MlflowVersion } from './models-api';

/** Versions whose governance state (approval, card) the table fetches: one call each, the newest first. */
const GOVERNANCE_ROWS = 50;

/** A registered model: its aliases and every version. */
export function ModelPage() {
  const { name = '' } = useParams();
  const model = useApi((signal) => getModel(name, signal), [name]);
  const versions = useApi((signal) => listVersions(name, signal), [name]);
  const newest = (versions.data ?? []).slice(0, GOVERNANCE_ROWS).map((v) => v.version);
  const details = useApi(
    newest.length ? (signal) => Promise.all(newest.map((v) => getVersion(name, v, signal))).then((ds) => new Map(ds.map((d) => [d.version, d]))) : null,
    [name, newest.join(',')],
  );
  const gov = (v: MlflowVersion): ModelVersionDetail | undefined => details.data?.get(v.version);
  const columns: Column<MlflowVersion>[] = [
    { key: 'version', header: 'Version', render: (v) => <Link to={`/models/${encodeURIComponent(name)}/versions/${v.version}`}>v{v.version}</Link>, sort: (v) => Number(v.version), width: '7rem' },
    { key: 'aliases', header: 'Aliases', render: (v) => (v.aliases ?? []).map((a) => <Badge key={a} tone="info">@{a}</Badge>), width: 'minmax(8rem, 1fr)' },
    {
      key: 'approval',
      header: 'Approval',
      render: (v) => {
        const d = gov(v);
        return d ? <Badge tone={APPROVAL_TONE[d.approval.status]}>{d.approval.status}</Badge> : <span className="muted">{details.loading ? '…' : '—'}</span>;
      },
      sort: (v) => gov(v)?.approval.status,
      width: '7rem',
    },
    {
      key: 'card',
      header: 'Model card',
      render: (v) => {
        const d = gov(v);
        if (!d) return <span className="muted">{details.loading ? '…' : '—'}</span>;
        if (!d.card) return <span className="muted">none</span>;
        return (
          <>
            <Badge tone={CARD_TONE[d.card.status]}>{CARD_STATUS_LABEL[d.card.status]}</Badge> {d.card.riskRating && <Badge tone={RISK_TONE[d.card.riskRating]}>{d.card.riskRating}</Badge>}
          </>
        );
      },
      width: 'minmax(9rem, 1fr)',
    },
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
