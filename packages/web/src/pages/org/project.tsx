import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useCanWrite } from '../../api/session';
import { Badge, Page, Panel, When } from '../../components/page';
import { LineChart } from '../../components/line-chart';
import { OpsAsync, fmt } from '../../components/ops-common';
import { STAGES, STAGE_LABEL, nextStage, type BusinessCase, type Checklist, type GateCondition, type OutcomeSeries, type Project, type StageChange, type Stage } from './types';

const CASE_FIELDS: [keyof BusinessCase, string][] = [
  ['businessChallenge', 'Business challenge'],
  ['currentBaseline', 'Current baseline'],
  ['businessValue', 'Business value'],
  ['usersAndUsage', 'Users and usage'],
  ['successMetric', 'Success metric'],
  ['coreTeam', 'Core team'],
  ['timeline', 'Timeline'],
  ['budget', 'Budget'],
  ['decision', 'Decision it supports'],
  ['costOfErrors', 'Cost of errors'],
];
const yesNo = (v: boolean | null) => (v === null ? <span className="muted">not answered</span> : v ? 'yes' : 'no');

/** A project: business case, the gate checklist of its next stage and the button to move, history, outcomes. */
export function ProjectPage() {
  const name = useParams().name!;
  const state = useApi((signal) => api.get<Project>(`/api/v1/projects/${encodeURIComponent(name)}`, undefined, signal), [name]);
  return (
    <Page
      title={name}
      subtitle={
        state.data ? (
          <>
            {STAGE_LABEL[state.data.stage]} since <When at={state.data.stageChangedAt} /> · owned by {state.data.ownerTeam ? <Link to={`/org/teams/${encodeURIComponent(state.data.ownerTeam)}`}>{state.data.ownerTeam}</Link> : 'no team'}
          </>
        ) : (
          'Project'
        )
      }
    >
      <p>
        <Link to="/org/projects">← All projects</Link>
      </p>
      <OpsAsync state={state} what="the project">
        {(p) => (
          <>
            <StageTrack stage={p.stage} overdue={p.overdue} pocEndDate={p.pocEndDate} />
            <Gate project={p} onMoved={state.reload} />
            <div className="grid-2">
              <Panel title="Business case">
                {p.description && <p>{p.description}</p>}
                <dl className="facts">
                  {CASE_FIELDS.map(([k, label]) => (
                    <div key={k} className="org-contents">
                      <dt>{label}</dt>
                      <dd>{(p.businessCase[k] as string | null) ?? <span className="muted">—</span>}</dd>
                    </div>
                  ))}
                  <dt>Success target</dt>
                  <dd>{p.businessCase.successTarget === null ? <span className="muted">—</span> : `${p.businessCase.successDirection === 'higher' ? '≥' : '≤'} ${p.businessCase.successTarget}`}</dd>
                  <dt>Data exists</dt>
                  <dd>{yesNo(p.businessCase.dataExists)}</dd>
                  <dt>Data labeled</dt>
                  <dd>{yesNo(p.businessCase.dataLabeled)}</dd>
                  <dt>Risk</dt>
                  <dd>{p.businessCase.riskRating ? <Badge tone={p.businessCase.riskRating === 'high' ? 'bad' : p.businessCase.riskRating === 'medium' ? 'warn' : 'good'}>{p.businessCase.riskRating}</Badge> : <span className="muted">not rated</span>}</dd>
                </dl>
              </Panel>
              <div>
                <Panel title="Linked work">
                  <dl className="facts">
                    <dt>Models</dt>
                    <dd>
                      {p.models.length === 0 ? <span className="muted">none</span> : p.models.map((m, i) => (
                        <span key={`${m.name}-${m.version}`}>
                          {i > 0 && ', '}
                          <Link to={m.version ? `/models/${encodeURIComponent(m.name)}/versions/${m.version}` : `/models/${encodeURIComponent(m.name)}`}>
                            {m.name}
                            {m.version ? ` v${m.version}` : ''}
                          </Link>
                        </span>
                      ))}
                    </dd>
                    <dt>Deployments</dt>
                    <dd>
                      {p.deployments.length === 0 ? <span className="muted">none</span> : p.deployments.map((d, i) => (
                        <span key={d}>
                          {i > 0 && ', '}
                          <Link to={`/deployments/${encodeURIComponent(d)}`}>{d}</Link>
                        </span>
                      ))}
                    </dd>
                    <dt>Created</dt>
                    <dd>
                      <When at={p.createdAt} /> by {p.createdBy}
                    </dd>
                  </dl>
                </Panel>
                <Outcomes project={p} />
              </div>
            </div>
            <History name={p.name} stage={p.stage} />
          </>
        )}
      </OpsAsync>
    </Page>
  );
}

function StageTrack({ stage, overdue, pocEndDate }: { stage: Stage; overdue: boolean; pocEndDate: number | null }) {
  const at = STAGES.indexOf(stage);
  return (
    <>
      <ol className="org-stages" aria-label="Stages">
        {STAGES.map((s, i) => (
          <li key={s} className={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
            {STAGE_LABEL[s]}
          </li>
        ))}
      </ol>
      {overdue && (
        <p className="state error" role="note">
          This POC is overdue: its end date (<When at={pocEndDate} />) has passed. Move it on or retire it.
        </p>
      )}
    </>
  );
}

function Conditions({ conditions }: { conditions: GateCondition[] }) {
  return (
    <ul className="org-checklist">
      {conditions.map((c) => (
        <li key={c.key} className={c.passed ? 'pass' : 'fail'}>
          <span className="org-mark" aria-hidden="true">
            {c.passed ? '✓' : '✗'}
          </span>
          <span>
            <strong>{c.label}</strong> <span className="ops-sr-only">{c.passed ? 'passed' : 'not met'}</span>
            <span className="org-why">{c.why}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The next stage's checklist (read without moving) and the button that asks the server to move. */
function Gate({ project, onMoved }: { project: Project; onMoved: () => void }) {
  const canWrite = useCanWrite();
  const to = nextStage(project.stage);
  const gate = useApi(to ? (signal) => api.get<Checklist>(`/api/v1/projects/${encodeURIComponent(project.name)}/gate`, { to }, signal) : null, [project.name, project.stage, to]);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; conditions: GateCondition[] } | null>(null);
  const [moved, setMoved] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  if (!to)
    return (
      <Panel title="Stage gate">
        <p className="muted">A retired project does not move again.</p>
      </Panel>
    );
  const move = async () => {
    setBusy(true);
    setRefusal(null);
    setMoved(null);
    try {
      const r = await api.post<{ project: Project }>(`/api/v1/projects/${encodeURIComponent(project.name)}/stage`, reason.trim() ? { to, reason: reason.trim() } : { to });
      setMoved(`Moved to ${STAGE_LABEL[r.project.stage]}.`);
      setReason('');
      onMoved();
    } catch (e) {
      const details = e instanceof ApiError ? (e.details as { checklist?: Checklist } | undefined) : undefined;
      setRefusal({ message: e instanceof Error ? e.message : String(e), conditions: (details?.checklist?.conditions ?? []).filter((c) => !c.passed) });
      gate.reload();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel
      title={`Gate: ${STAGE_LABEL[project.stage]} → ${STAGE_LABEL[to]}`}
      actions={
        canWrite ? (
          <form className="inline" onSubmit={(e) => { e.preventDefault(); void move(); }}>
            <label className="org-reason">
              Reason (optional)
              <input value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} placeholder="kick-off, review passed…" />
            </label>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Moving…' : `Move to ${STAGE_LABEL[to]}`}
            </button>
          </form>
        ) : (
          <span className="muted">Log in to move the project.</span>
        )
      }
    >
      {moved && (
        <p className="ops-ok" role="status">
          {moved}
        </p>
      )}
      {refusal && (
        <div className="state error" role="alert" aria-label="Stage change refused">
          <strong>The server refused the move:</strong> <span className="refusal-message">{refusal.message}</span>
          {refusal.conditions.length > 0 && (
            <>
              <p>Unmet conditions:</p>
              <ul className="org-unmet">
                {refusal.conditions.map((c) => (
                  <li key={c.key}>
                    <strong>{c.label}</strong>: {c.why}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <OpsAsync state={gate} what="the gate checklist">
        {(c) => (
          <>
            <p>
              {c.passed ? <Badge tone="good">gate passes</Badge> : <Badge tone="bad">{c.conditions.filter((x) => !x.passed).length} condition(s) unmet</Badge>}{' '}
              <span className="muted">Every condition must hold to move to {STAGE_LABEL[to]}.</span>
            </p>
            <Conditions conditions={c.conditions} />
          </>
        )}
      </OpsAsync>
    </Panel>
  );
}

function History({ name, stage }: { name: string; stage: Stage }) {
  const state = useApi((signal) => api.get<{ changes: StageChange[] }>(`/api/v1/projects/${encodeURIComponent(name)}/history`, undefined, signal), [name, stage]);
  return (
    <Panel title="Stage history">
      <OpsAsync state={state} what="the history">
        {({ changes }) =>
          changes.length === 0 ? (
            <p className="muted">No stage change yet.</p>
          ) : (
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Move</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Checklist passed</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.at + c.to}>
                    <td>
                      <When at={c.at} />
                    </td>
                    <td>
                      {STAGE_LABEL[c.from]} → {STAGE_LABEL[c.to]}
                    </td>
                    <td>{c.actor}</td>
                    <td>{c.reason ?? <span className="muted">—</span>}</td>
                    <td>{c.checklist.map((x) => x.label).join(', ') || '—'}</td>
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

function Outcomes({ project }: { project: Project }) {
  const metric = project.businessCase.successMetric;
  const state = useApi(metric ? (signal) => api.get<OutcomeSeries>(`/api/v1/projects/${encodeURIComponent(project.name)}/outcomes`, undefined, signal) : null, [project.name, metric]);
  if (!metric) return null;
  return (
    <Panel title={`Outcome: ${metric}`}>
      <OpsAsync state={state} what="outcomes">
        {(s) =>
          s.points.length === 0 ? (
            <p className="muted">
              No measurement yet. Record one with <code>POST /api/v1/projects/{project.name}/outcomes</code> {'{"value": …}'}.
            </p>
          ) : (
            <>
              <p>
                Latest {fmt(s.latest)} against target {s.target === null ? '—' : `${s.direction === 'higher' ? '≥' : '≤'} ${s.target}`}{' '}
                {s.metTarget === null ? null : s.metTarget ? <Badge tone="good">met</Badge> : <Badge tone="warn">not met</Badge>}
              </p>
              {s.points.length > 1 && (
                <LineChart
                  series={[
                    { label: metric, x: s.points.map((p) => p.ts / 1000), y: s.points.map((p) => p.value) },
                    ...(s.target !== null ? [{ label: 'target', x: s.points.map((p) => p.ts / 1000), y: s.points.map(() => s.target!) }] : []),
                  ]}
                  xTime
                  xLabel="time"
                  yLabel={metric}
                  height={200}
                  label={`${metric} over time against its target`}
                />
              )}
            </>
          )
        }
      </OpsAsync>
    </Panel>
  );
}
