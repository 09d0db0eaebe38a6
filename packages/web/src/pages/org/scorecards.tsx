import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useCanWrite } from '../../api/session';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { LineChart } from '../../components/line-chart';
import { OpsAsync, Refusal, fmt } from '../../components/ops-common';

// Shapes of packages/server/src/domains/assessment/assessment.schemas.ts, as the pages read them.
interface Level {
  level: string | number;
  name: string;
  levels: { level: string | number; name: string; met: boolean; criteria: { key: string; label: string; met: boolean; figure: string }[] }[];
}
interface OrgReport {
  scope: 'organization' | 'team';
  subject: string;
  assessedAt: number;
  maturity: Level;
  google: Level;
  microsoft: Level;
  archetype: { name: string; effective: string; reasons: string[]; strengths: string[]; failureModes: string[] };
  skills: { team: string; projects: string[]; members: number; covered: string[]; missing: string[]; twoPizza: boolean }[];
  loneSuperheroes: { model: string; person: string; projects: string[]; why: string }[];
  models: { name: string; ownerTeam: string | null; deployed: boolean; final: number; band: string }[];
}
interface History {
  id: number;
  at: number;
  assessedBy: string;
  score: number;
  level?: string;
}
interface TestResult {
  id: string;
  section: string;
  name: string;
  score: number;
  basis: string;
  evidence: { kind: string; ref: string; detail: string }[];
  why: string;
  raise: string | null;
}
interface Scorecard {
  model: string;
  ownerTeam: string | null;
  version: string | null;
  assessedAt: number;
  sections: { id: string; name: string; score: number; max: number; tests: TestResult[] }[];
  final: number;
  band: { range: string; meaning: string };
  loneSuperhero: { flagged: boolean; person: string | null; why: string };
}

function HistoryChart({ history, label }: { history: History[]; label: string }) {
  if (history.length < 2) return null;
  const ordered = [...history].sort((a, b) => a.at - b.at);
  return <LineChart series={[{ label: 'score', x: ordered.map((h) => h.at / 1000), y: ordered.map((h) => h.score) }]} xTime xLabel="assessed" yLabel="score" height={180} label={label} />;
}

function LevelView({ title, l }: { title: string; l: Level }) {
  return (
    <div className="org-level">
      <h3>{title}</h3>
      <p className="org-level-value">
        {String(l.level) === l.name ? l.name : <>{l.level} <span>{l.name}</span></>}
      </p>
      <details>
        <summary>Criteria</summary>
        {l.levels.map((x) => (
          <div key={String(x.level)}>
            <strong>
              {x.level} {x.name}
            </strong>{' '}
            {x.met ? <Badge tone="good">met</Badge> : <Badge tone="neutral">not met</Badge>}
            <ul className="org-criteria">
              {x.criteria.map((c) => (
                <li key={c.key} className={c.met ? 'pass' : 'fail'}>
                  {c.met ? '✓' : '✗'} {c.label} <span className="muted">({c.figure})</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </details>
    </div>
  );
}

/** The organization's maturity report and every model's ML Test Score. */
export function ScorecardsPage() {
  const canWrite = useCanWrite();
  const state = useApi((signal) => api.get<{ latest: OrgReport | null; history: History[] }>('/api/v1/assessment/organization', undefined, signal), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const assess = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/assessment/organization');
      state.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const button = canWrite && (
    <button type="button" className="primary" disabled={busy} onClick={() => void assess()}>
      {busy ? 'Assessing…' : 'Assess now'}
    </button>
  );
  return (
    <Page title="Scorecards and maturity" subtitle="ML Test Score per model; the organization's maturity from what it actually does" actions={button}>
      {error !== null && <Refusal error={error} title="Assessment refused:" />}
      <OpsAsync state={state} what="the maturity report (platform admins)">
        {({ latest, history }) =>
          !latest ? (
            <Empty title="Not assessed yet">Press &quot;Assess now&quot;: the report reads runs, models, deployments, monitors, projects and teams as they are (<code>flywheel assess org</code> does the same).</Empty>
          ) : (
            <>
              <Panel title={`Maturity, assessed ${new Date(latest.assessedAt).toLocaleString()}`}>
                <div className="org-levels">
                  <LevelView title="Maturity" l={latest.maturity} />
                  <LevelView title="Google MLOps level" l={latest.google} />
                  <LevelView title="Microsoft MLOps level" l={latest.microsoft} />
                  <div className="org-level">
                    <h3>Archetype</h3>
                    <p className="org-level-value">
                      <span>{latest.archetype.name}</span>
                    </p>
                    <ul className="org-criteria">
                      {latest.archetype.reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  </div>
                </div>
                <HistoryChart history={history} label="Organization score over time" />
              </Panel>
              <div className="grid-2">
                <Panel title="Models' ML Test Score">
                  {latest.models.length === 0 ? (
                    <p className="muted">No registered model yet.</p>
                  ) : (
                    <table className="simple">
                      <thead>
                        <tr>
                          <th scope="col">Model</th>
                          <th scope="col">Team</th>
                          <th scope="col" className="num">Score</th>
                          <th scope="col">Band</th>
                        </tr>
                      </thead>
                      <tbody>
                        {latest.models.map((m) => (
                          <tr key={m.name}>
                            <th scope="row">
                              <Link to={`/org/scorecards/models/${encodeURIComponent(m.name)}`}>{m.name}</Link> {m.deployed && <Badge tone="info">deployed</Badge>}
                            </th>
                            <td>{m.ownerTeam ?? '—'}</td>
                            <td className="num">{fmt(m.final, 1)}</td>
                            <td>{m.band}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Panel>
                <Panel title="Skills per team">
                  {latest.skills.length === 0 ? (
                    <p className="muted">No team owns a project yet.</p>
                  ) : (
                    <table className="simple">
                      <thead>
                        <tr>
                          <th scope="col">Team</th>
                          <th scope="col" className="num">Members</th>
                          <th scope="col">Missing skills</th>
                        </tr>
                      </thead>
                      <tbody>
                        {latest.skills.map((s) => (
                          <tr key={s.team}>
                            <th scope="row">
                              <Link to={`/org/teams/${encodeURIComponent(s.team)}`}>{s.team}</Link>
                            </th>
                            <td className="num">{s.members}</td>
                            <td>{s.missing.length ? s.missing.map((x) => x.replace(/_/g, ' ')).join(', ') : <Badge tone="good">all covered</Badge>}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  {latest.loneSuperheroes.length > 0 && (
                    <div className="state error" role="note">
                      <strong>Lone superheroes:</strong>
                      <ul>
                        {latest.loneSuperheroes.map((l) => (
                          <li key={l.model}>
                            {l.model}: {l.why}
                          </li>
                        ))}
                      </ul>
                    </div>
                  )}
                </Panel>
              </div>
            </>
          )
        }
      </OpsAsync>
    </Page>
  );
}

/** One model's ML Test Score: each section's tests with their evidence and what would raise them. */
export function ModelScorecardPage() {
  const name = useParams().name!;
  const canWrite = useCanWrite();
  const state = useApi((signal) => api.get<{ latest: Scorecard | null; history: History[] }>(`/api/v1/assessment/models/${encodeURIComponent(name)}`, undefined, signal), [name]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const score = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/v1/assessment/models/${encodeURIComponent(name)}`);
      state.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page
      title={`Scorecard: ${name}`}
      subtitle={<Link to={`/models/${encodeURIComponent(name)}`}>the model</Link>}
      actions={canWrite && <button type="button" className="primary" disabled={busy} onClick={() => void score()}>{busy ? 'Scoring…' : 'Score now'}</button>}
    >
      <p>
        <Link to="/org/scorecards">← Scorecards</Link>
      </p>
      {error !== null && <Refusal error={error} title="Scoring refused:" />}
      <OpsAsync state={state} what="the scorecard">
        {({ latest, history }) =>
          !latest ? (
            <Empty title="Not scored yet">Press &quot;Score now&quot;: the 28 tests of the ML Test Score are checked against what the platform knows about this model.</Empty>
          ) : (
            <>
              <Panel title={`ML Test Score ${fmt(latest.final, 1)} — ${latest.band.range}`}>
                <p>{latest.band.meaning}</p>
                <p className="muted">
                  Version {latest.version ?? '—'}, assessed <When at={latest.assessedAt} />. The final score is the lowest of the four sections.
                </p>
                {latest.loneSuperhero.flagged && <p className="state error" role="note">Lone superhero: {latest.loneSuperhero.why}</p>}
                <HistoryChart history={history} label={`${name} score over time`} />
              </Panel>
              {latest.sections.map((s) => (
                <Panel key={s.id} title={`${s.name}: ${fmt(s.score, 1)} of ${s.max}`}>
                  <table className="simple">
                    <thead>
                      <tr>
                        <th scope="col">Test</th>
                        <th scope="col" className="num">Score</th>
                        <th scope="col">Basis</th>
                        <th scope="col">Why</th>
                        <th scope="col">To raise it</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.tests.map((t) => (
                        <tr key={t.id}>
                          <th scope="row">
                            <span className="muted">{t.id}</span> {t.name}
                          </th>
                          <td className="num">
                            <Badge tone={t.score >= 1 ? 'good' : t.score > 0 ? 'warn' : 'neutral'}>{t.score}</Badge>
                          </td>
                          <td>{t.basis}</td>
                          <td>{t.why}</td>
                          <td>{t.raise ?? <span className="muted">—</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Panel>
              ))}
            </>
          )
        }
      </OpsAsync>
    </Page>
  );
}
