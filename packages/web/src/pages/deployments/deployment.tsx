import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi, type ApiState } from '../../api/use-api';
import { useCanWrite } from '../../api/session';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync, Refusal, duration, fmt, pct } from '../../components/ops-common';
import { LiveCharts } from './live-charts';
import { modelOf, tensorsText, type Deployment, type Prediction, type Revision, type Rollout, type ShadowReport, type VariantConfig } from './types';

const roleTone = (r: string) => (r === 'primary' ? 'info' : r === 'canary' ? 'warn' : 'neutral');

/** One deployment: variants and the editable traffic split, live charts, canary, shadow, revisions, predictions. */
export function DeploymentPage() {
  const name = useParams().name!;
  const state = useApi((signal) => api.get<Deployment>(`/api/v1/deployments/${encodeURIComponent(name)}`, undefined, signal), [name]);
  const rollouts = useApi((signal) => api.get<{ rollouts: Rollout[] }>(`/api/v1/deployments/${encodeURIComponent(name)}/rollouts`, undefined, signal), [name, state.data?.revision]);
  const active = rollouts.data?.rollouts.find((r) => r.state === 'running' || r.state === 'paused');
  return (
    <Page title={name} subtitle={state.data ? <>Revision {state.data.revision} · updated <When at={state.data.updatedAt} /> by {state.data.createdBy ?? 'unknown'}</> : 'Deployment'}>
      <p>
        <Link to="/deployments">← All deployments</Link>
      </p>
      <OpsAsync state={state} what="the deployment">
        {(d) => (
          <>
            <TrafficEditor deployment={d} onSaved={state.reload} activeRollout={active} />
            <LiveCharts deployment={d.name} variants={d.config.variants.map((v) => v.name)} />
            <div className="grid-2">
              <Rollouts name={d.name} state={rollouts} />
              {d.config.variants.some((v) => v.role === 'shadow') ? <Shadow name={d.name} /> : (
                <Panel title="Shadow comparison">
                  <p className="muted">No shadow variant. Add one with role <code>shadow</code> to mirror requests to a new model without answering with it, and compare its outputs here.</p>
                </Panel>
              )}
            </div>
            <Revisions name={d.name} current={d.revision} onRolledBack={state.reload} />
            <RecentPredictions name={d.name} revision={d.revision} shadows={d.config.variants.filter((v) => v.role === 'shadow').map((v) => v.name)} />
          </>
        )}
      </OpsAsync>
    </Page>
  );
}

/** The variants table with a weight field per answering variant; saving writes a new revision. */
function TrafficEditor({ deployment, onSaved, activeRollout }: { deployment: Deployment; onSaved: () => void; activeRollout: Rollout | undefined }) {
  const canWrite = useCanWrite();
  const initial = () => Object.fromEntries(deployment.config.variants.map((v) => [v.name, String(v.weight)]));
  const [weights, setWeights] = useState<Record<string, string>>(initial);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [saved, setSaved] = useState<number | null>(null);
  // A new revision (saved here, rolled back, or changed elsewhere) resets the fields.
  useEffect(() => setWeights(initial()), [deployment.revision]);

  const answering = deployment.config.variants.filter((v) => v.role !== 'shadow');
  const sum = answering.reduce((s, v) => s + (Number(weights[v.name]) || 0), 0);
  const changed = answering.some((v) => Number(weights[v.name]) !== v.weight);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setRefusal(null);
    setSaved(null);
    try {
      const variants: VariantConfig[] = deployment.config.variants.map((v) => (v.role === 'shadow' ? v : { ...v, weight: Number(weights[v.name]) }));
      const next = await api.put<Deployment>(`/api/v1/deployments/${encodeURIComponent(deployment.name)}`, { config: { ...deployment.config, variants } });
      setSaved(next.revision);
      onSaved();
    } catch (err) {
      setRefusal(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Panel title="Variants and traffic split">
      <form onSubmit={(e) => void submit(e)} aria-label="Traffic split">
        <table className="simple">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Model</th>
              <th scope="col">Runtime</th>
              <th scope="col">Role</th>
              <th scope="col" className="num">
                Traffic share (%)
              </th>
            </tr>
          </thead>
          <tbody>
            {deployment.config.variants.map((v) => (
              <tr key={v.name}>
                <th scope="row">{v.name}</th>
                <td>
                  {v.model ? <Link to={`/models/${encodeURIComponent(v.model.name)}`}>{modelOf(v)}</Link> : modelOf(v)}
                </td>
                <td>{v.runtime ?? 'onnx'}</td>
                <td>
                  <Badge tone={roleTone(v.role)}>{v.role}</Badge>
                </td>
                <td className="num">
                  {v.role === 'shadow' ? (
                    <span className="muted">mirrors {Math.round((v.sample ?? 1) * 100)} % of requests</span>
                  ) : (
                    <input
                      className="ops-weight"
                      type="number"
                      min={0}
                      max={100}
                      step="any"
                      aria-label={`Weight of ${v.name}`}
                      value={weights[v.name] ?? ''}
                      disabled={!canWrite || saving}
                      onChange={(e) => setWeights((w) => ({ ...w, [v.name]: e.target.value }))}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={4}>
                Total of answering variants
              </th>
              <td className={`num ${Math.abs(sum - 100) > 1e-9 ? 'ops-bad-text' : ''}`} aria-live="polite">
                {fmt(sum, 4)} %
              </td>
            </tr>
          </tfoot>
        </table>
        <div className="ops-form-actions">
          {canWrite ? (
            <>
              <button type="submit" className="primary" disabled={saving || !changed}>
                {saving ? 'Saving…' : 'Save traffic split'}
              </button>
              <button type="button" disabled={saving || !changed} onClick={() => { setWeights(initial()); setRefusal(null); }}>
                Reset
              </button>
              <span className="muted">Weights of answering variants sum to 100. The server loads the new revision&apos;s models before switching.</span>
            </>
          ) : (
            <span className="muted">Log in to change the traffic split.</span>
          )}
        </div>
        {activeRollout && (
          <p className="ops-note" role="note">
            A canary rollout of <strong>{activeRollout.canary}</strong> is {activeRollout.state}: its controller sets these weights step by step. Changing the canary's weight here stops the rollout (your split wins).
          </p>
        )}
        {refusal !== null && <Refusal error={refusal} title="The server refused the change:" />}
        {saved !== null && (
          <p className="ops-ok" role="status">
            Saved: revision {saved} is live.
          </p>
        )}
      </form>
    </Panel>
  );
}

function Rollouts({ name, state }: { name: string; state: ApiState<{ rollouts: Rollout[] }> }) {
  return (
    <Panel title="Canary rollouts">
      <OpsAsync state={state} what="rollouts">
        {({ rollouts }) => {
          if (rollouts.length === 0)
            return (
              <p className="muted">
                No rollout yet. Add a <code>canary</code> variant, then <code>flywheel deploy rollout start {name} --canary NAME --steps 5@10m,25@1000req,100</code>: the canary&apos;s share grows step by step while its guardrails hold.
              </p>
            );
          const [r, ...older] = rollouts;
          return (
            <>
              <RolloutProgress r={r!} />
              {older.length > 0 && (
                <details>
                  <summary>Earlier rollouts ({older.length})</summary>
                  <ul>
                    {older.map((o) => (
                      <li key={o.id}>
                        {o.canary}: <Badge tone={o.state === 'completed' ? 'good' : o.state === 'rolled_back' || o.state === 'aborted' ? 'bad' : 'neutral'}>{o.state}</Badge> <When at={o.updatedAt} />
                        {o.reason && <span className="muted"> — {o.reason}</span>}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </>
          );
        }}
      </OpsAsync>
    </Panel>
  );
}

function RolloutProgress({ r }: { r: Rollout }) {
  const tone = r.state === 'completed' ? 'good' : r.state === 'rolled_back' || r.state === 'aborted' ? 'bad' : r.state === 'paused' ? 'warn' : 'info';
  const step = r.steps[r.currentStep - 1];
  return (
    <div>
      <p>
        Canary <strong>{r.canary}</strong> <Badge tone={tone}>{r.state}</Badge> — step {r.currentStep} of {r.steps.length}, at {fmt(r.currentWeight)} % of traffic
      </p>
      <ol className="ops-steps" aria-label="Rollout steps">
        {r.steps.map((s, i) => {
          const done = i + 1 < r.currentStep || r.state === 'completed';
          const current = i + 1 === r.currentStep && r.state !== 'completed';
          return (
            <li key={i} className={done ? 'done' : current ? 'current' : ''} aria-current={current ? 'step' : undefined}>
              <span className="ops-step-weight">{fmt(s.weight)} %</span>
              <span className="muted">
                {[s.hold.seconds ? `hold ${duration(s.hold.seconds * 1000)}` : null, s.hold.requests ? `${s.hold.requests} req` : null].filter(Boolean).join(' · ') || 'final'}
              </span>
            </li>
          );
        })}
      </ol>
      {step && r.state === 'running' && (
        <p className="muted">
          {r.requestsInStep} canary requests in this step{step.hold.requests ? ` of ${step.hold.requests}` : ''}
          {r.stepStartedAt ? <>; step started <When at={r.stepStartedAt} /></> : null}.
        </p>
      )}
      {r.reason && <p className="ops-bad-text">{r.reason}</p>}
      <p className="muted">
        Guardrails: {r.guardrails.maxErrorRate !== undefined ? `error rate ≤ ${pct(r.guardrails.maxErrorRate)}` : 'no error-rate limit'}
        {r.guardrails.maxP99LatencyMs !== undefined ? `, p99 ≤ ${r.guardrails.maxP99LatencyMs} ms` : ''}
      </p>
      <details>
        <summary>Events ({r.events.length})</summary>
        <ul className="ops-events">
          {r.events.map((e) => (
            <li key={e.seq}>
              <When at={e.at} /> <strong>{e.type.replace(/_/g, ' ')}</strong>
              {e.step !== null ? ` (step ${e.step})` : ''}
              {e.actor ? <span className="muted"> by {e.actor}</span> : null}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

function Shadow({ name }: { name: string }) {
  const state = useApi((signal) => api.get<ShadowReport>(`/api/v1/deployments/${encodeURIComponent(name)}/shadow`, undefined, signal), [name]);
  return (
    <Panel title="Shadow comparison" actions={<button type="button" onClick={state.reload}>Refresh</button>}>
      <OpsAsync state={state} what="the shadow report">
        {(s) =>
          s.shadows.length === 0 ? (
            <p className="muted">No shadow variant has received copies yet.</p>
          ) : (
            <>
              <table className="simple">
                <thead>
                  <tr>
                    <th scope="col">Shadow</th>
                    <th scope="col" className="num">Mirrored</th>
                    <th scope="col" className="num">Failed</th>
                    <th scope="col" className="num">Shed</th>
                    <th scope="col" className="num">Agreement</th>
                    <th scope="col" className="num">Mean |diff|</th>
                  </tr>
                </thead>
                <tbody>
                  {s.shadows.map((v) => (
                    <tr key={v.variant}>
                      <th scope="row">
                        {v.variant} {!v.loaded && <Badge tone="warn">{v.configured ? 'not loaded' : 'removed'}</Badge>}
                      </th>
                      <td className="num">{v.counts.mirrored}</td>
                      <td className="num">{v.counts.failed}</td>
                      <td className="num">{v.counts.shed}</td>
                      <td className="num">
                        {v.agreement ? `${pct(v.agreement.rate)} of ${v.agreement.compared}` : '—'}
                      </td>
                      <td className="num">{fmt(v.agreement?.meanAbsDiff ?? null, 4)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted">
                Agreement over the last 24 h of the log; queue {s.queue.queued} waiting, {s.queue.running} running (at most {s.queue.concurrency} at once).
              </p>
            </>
          )
        }
      </OpsAsync>
    </Panel>
  );
}

function Revisions({ name, current, onRolledBack }: { name: string; current: number; onRolledBack: () => void }) {
  const canWrite = useCanWrite();
  const state = useApi((signal) => api.get<{ revisions: Revision[] }>(`/api/v1/deployments/${encodeURIComponent(name)}/revisions`, undefined, signal), [name, current]);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const rollback = async () => {
    setBusy(true);
    setRefusal(null);
    try {
      await api.post(`/api/v1/deployments/${encodeURIComponent(name)}/rollback`);
      onRolledBack();
    } catch (e) {
      setRefusal(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel
      title="Revisions"
      actions={
        canWrite && (state.data?.revisions.length ?? 0) > 1 ? (
          <button type="button" className="danger" disabled={busy} onClick={() => void rollback()}>
            {busy ? 'Rolling back…' : 'Roll back to the previous revision'}
          </button>
        ) : undefined
      }
    >
      {refusal !== null && <Refusal error={refusal} title="Rollback refused:" />}
      <OpsAsync state={state} what="revisions">
        {({ revisions }) => (
          <table className="simple">
            <thead>
              <tr>
                <th scope="col" className="num">Revision</th>
                <th scope="col">Traffic</th>
                <th scope="col">When</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {revisions.slice(0, 20).map((r) => (
                <tr key={r.revision}>
                  <td className="num">
                    {r.revision} {r.revision === current && <Badge tone="good">live</Badge>}
                  </td>
                  <td>{r.config.variants.map((v) => `${v.name} ${v.role === 'shadow' ? 'shadow' : `${v.weight} %`}`).join(' · ')}</td>
                  <td>
                    <When at={r.createdAt} />
                  </td>
                  <td>{r.createdBy ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </OpsAsync>
    </Panel>
  );
}

function RecentPredictions({ name, revision, shadows }: { name: string; revision: number; shadows: string[] }) {
  const state = useApi((signal) => api.get<{ predictions: Prediction[] }>(`/api/v1/deployments/${encodeURIComponent(name)}/predictions`, { limit: 20 }, signal), [name, revision]);
  return (
    <Panel title="Recent predictions" actions={<button type="button" onClick={state.reload}>Refresh</button>}>
      <OpsAsync state={state} what="predictions">
        {({ predictions }) =>
          predictions.length === 0 ? (
            <Empty title="No predictions logged yet">
              Send a request: <code>flywheel predict {name} --file rows.csv</code>, or POST to <code>/v2/models/{name}/infer</code>.
            </Empty>
          ) : (
            <table className="simple ops-predictions">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Variant</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">Latency</th>
                  <th scope="col">Status</th>
                  <th scope="col">Outputs</th>
                  <th scope="col">Inference id</th>
                </tr>
              </thead>
              <tbody>
                {predictions.map((p) => (
                  <tr key={`${p.inferenceId}-${p.timestamp}-${p.variant}`}>
                    <td>
                      <When at={p.timestamp} />
                    </td>
                    <td>
                      {p.variant} {shadows.includes(p.variant) && <Badge tone="neutral">shadow copy</Badge>}
                    </td>
                    <td>
                      {p.model.name} v{p.model.version}
                    </td>
                    <td className="num">{fmt(p.latencyUs / 1000, 2)} ms</td>
                    <td>{p.status === 0 ? <Badge tone="good">answered</Badge> : <Badge tone="bad">{p.status}</Badge>}</td>
                    <td>
                      <code>{p.truncated ? '(truncated)' : tensorsText(p.outputs)}</code>
                    </td>
                    <td className="ops-mono-cut" title={p.inferenceId}>
                      {p.inferenceId}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </OpsAsync>
    </Panel>
  );
}
