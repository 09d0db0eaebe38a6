import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { ArtifactsBrowser } from './artifacts';
import { MetricCurve } from './metric-curve';
import { duration, fmt, getExperiment, getRun, num, STATUS_TONE, type WireRun } from './tracking-api';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metric curves' },
  { id: 'artifacts', label: 'Artifacts' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** One run: params, metrics (latest and curves), tags, inputs and artifacts. */
export function RunPage() {
  const { runId = '' } = useParams();
  const run = useApi((signal) => getRun(runId, signal), [runId]);
  return <GuardedAsync state={run} what="run">{(r) => <RunView run={r} />}</GuardedAsync>;
}

function RunView({ run }: { run: WireRun }) {
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'overview') as Tab;
  const experiment = useApi((signal) => getExperiment(run.info.experimentId, signal), [run.info.experimentId]);
  const i = run.info;
  return (
    <Page
      title={i.runName || i.runId}
      subtitle={
        <>
          <Link to="/experiments">Experiments</Link> · <Link to={`/experiments/${i.experimentId}`}>{experiment.data?.name ?? `experiment ${i.experimentId}`}</Link> · run <code>{i.runId}</code>
        </>
      }
      actions={<Badge tone={STATUS_TONE[i.status] ?? 'neutral'}>{i.status.toLowerCase()}</Badge>}
    >
      <div className="tabs" role="tablist" aria-label="Run sections">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setParams(t.id === 'overview' ? {} : { tab: t.id }, { replace: true })}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)!.label}>
        {tab === 'overview' && <Overview run={run} />}
        {tab === 'metrics' && <Curves run={run} />}
        {tab === 'artifacts' && (
          <Panel title="Artifacts">
            <ArtifactsBrowser runId={i.runId} artifactUri={i.artifactUri} />
          </Panel>
        )}
      </div>
    </Page>
  );
}

function Overview({ run }: { run: WireRun }) {
  const i = run.info;
  const userTags = run.data.tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = run.data.tags.filter((t) => t.key.startsWith('mlflow.') && t.key !== 'mlflow.runName');
  const metrics = [...run.data.metrics].sort((a, b) => a.key.localeCompare(b.key));
  const ps = [...run.data.params].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <>
      <div className="grid-2">
        <Panel title="Run">
          <dl className="facts">
            <dt>Status</dt>
            <dd>{i.status}</dd>
            <dt>Started</dt>
            <dd>
              <When at={i.startTime} />
            </dd>
            <dt>Ended</dt>
            <dd>
              <When at={i.endTime} />
            </dd>
            <dt>Duration</dt>
            <dd>{duration(i.startTime, i.endTime)}</dd>
            <dt>User</dt>
            <dd>{i.userId || '—'}</dd>
            <dt>Artifacts</dt>
            <dd>
              <code>{i.artifactUri}</code>
            </dd>
            <dt>Lineage</dt>
            <dd>
              <Link to={`/lineage?ref=${encodeURIComponent(`run:${i.runId}`)}&direction=downstream`}>What this run produced</Link>
            </dd>
          </dl>
        </Panel>
        <Panel title={`Metrics (${metrics.length})`}>
          {metrics.length === 0 ? (
            <p className="muted">No metrics logged.</p>
          ) : (
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col" className="num">
                    Latest
                  </th>
                  <th scope="col" className="num">
                    Step
                  </th>
                </tr>
              </thead>
              <tbody>
                {metrics.map((m) => (
                  <tr key={m.key}>
                    <td>{m.key}</td>
                    <td className="num">{fmt(num(m.value))}</td>
                    <td className="num">{m.step}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>
      <div className="grid-2">
        <Panel title={`Params (${ps.length})`}>
          {ps.length === 0 ? <p className="muted">No params logged.</p> : <KeyValues rows={ps} />}
        </Panel>
        <Panel title={`Tags (${userTags.length})`}>
          {userTags.length === 0 ? <p className="muted">No tags.</p> : <KeyValues rows={userTags} />}
          {systemTags.length > 0 && (
            <details className="system-tags">
              <summary>System tags ({systemTags.length})</summary>
              <KeyValues rows={systemTags} />
            </details>
          )}
        </Panel>
      </div>
      {run.inputs.datasetInputs.length > 0 && (
        <Panel title="Dataset inputs">
          <table className="simple">
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Digest</th>
                <th scope="col">Source</th>
                <th scope="col">Context</th>
              </tr>
            </thead>
            <tbody>
              {run.inputs.datasetInputs.map((d, k) => {
                const m = /^flywheel-datasets:\/(.+)\/(\d+)$/.exec(d.dataset.source);
                return (
                  <tr key={k}>
                    <td>{m ? <Link to={`/datasets/${encodeURIComponent(m[1]!)}/versions/${m[2]}`}>{d.dataset.name}</Link> : d.dataset.name}</td>
                    <td>
                      <code>{d.dataset.digest}</code>
                    </td>
                    <td className="wrap">{d.dataset.source}</td>
                    <td>{d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Panel>
      )}
    </>
  );
}

function KeyValues({ rows }: { rows: { key: string; value: string }[] }) {
  return (
    <table className="simple">
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.key}</th>
            <td className="wrap">{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Curves shown at first: a run with dozens of metrics should not load every history at once. */
const FIRST_CURVES = 4;

function Curves({ run }: { run: WireRun }) {
  const keys = useMemo(() => run.data.metrics.map((m) => m.key).sort(), [run]);
  const [shown, setShown] = useState<string[]>(() => keys.slice(0, FIRST_CURVES));
  if (keys.length === 0) return <Empty title="No metrics logged">Log one with <code>mlflow.log_metric('loss', value, step=i)</code>.</Empty>;
  return (
    <>
      {keys.length > 1 && (
        <fieldset className="metric-choice">
          <legend>Metrics to chart</legend>
          {keys.map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={shown.includes(k)} onChange={() => setShown((s) => (s.includes(k) ? s.filter((x) => x !== k) : [...s, k]))} />
              <span>{k}</span>
            </label>
          ))}
        </fieldset>
      )}
      <div className="curves">
        {shown.map((k) => (
          <Panel key={k}>
            <MetricCurve runId={run.info.runId} metricKey={k} />
          </Panel>
        ))}
      </div>
    </>
  );
}
