import { useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useCanWrite } from '../../api/session';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { Async, ErrorBox } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { duration } from '../tracking/tracking-api';
import { cancelRun, getPipelineRun, isActive, stepLog, STATE_TONE, type PipelineRun } from './pipelines-api';

/** How often a run still going is asked for again. */
const POLL_MS = 2000;

/** Calls `reload` every POLL_MS while `active`. */
function usePoll(active: boolean, reload: () => void) {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, POLL_MS);
    return () => clearInterval(t);
  }, [active, reload]);
}

/** A pipeline run: each step with its state and duration, and a step's logs. */
export function PipelineRunPage() {
  const { name = '', id = '' } = useParams();
  const run = useApi((signal) => getPipelineRun(name, id, signal), [name, id]);
  usePoll(!!run.data && isActive(run.data.state), run.reload);
  return <GuardedAsync state={run} what="pipeline run">{(r) => <RunView r={r} reload={run.reload} />}</GuardedAsync>;
}

function RunView({ r, reload }: { r: PipelineRun; reload: () => void }) {
  const [params, setParams] = useSearchParams();
  // The step whose log shows: the one asked for, else the first that failed, else the last that ran.
  const fallback = r.steps.find((s) => s.state === 'failed') ?? [...r.steps].reverse().find((s) => s.startedAt !== null) ?? r.steps[0];
  const step = params.get('step') ?? fallback?.name ?? null;
  const canWrite = useCanWrite();
  const [error, setError] = useState<Error | null>(null);
  const cancel = async () => {
    try {
      await cancelRun(r.pipeline, r.id);
      reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const paramRows = Object.entries(r.params).flatMap(([s, ps]) => Object.entries(ps).map(([k, v]) => ({ step: s, key: k, value: String(v) })));
  return (
    <Page
      title={`Run ${r.id.slice(0, 12)}`}
      subtitle={
        <>
          <Link to="/pipelines">Pipelines</Link> · <Link to={`/pipelines/${encodeURIComponent(r.pipeline)}`}>{r.pipeline}</Link> (v{r.version}) · queued <When at={r.createdAt} />
        </>
      }
      actions={
        <>
          <Badge tone={STATE_TONE[r.state] ?? 'neutral'}>{r.state}</Badge>
          {canWrite && isActive(r.state) && (
            <button type="button" className="danger" onClick={() => void cancel()}>
              Cancel run
            </button>
          )}
        </>
      }
    >
      {error && <ErrorBox error={error} />}
      {r.error && <p className="state error">{r.error}</p>}
      <Panel title="Steps">
        <table className="simple steps-table">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Attempt
              </th>
              <th scope="col">Started</th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col" className="num">
                Exit
              </th>
              <th scope="col">MLflow run</th>
              <th scope="col">Logs</th>
            </tr>
          </thead>
          <tbody>
            {r.steps.map((s) => (
              <tr key={s.name} className={s.name === step ? 'current' : undefined}>
                <th scope="row">{s.name}</th>
                <td>
                  <Badge tone={STATE_TONE[s.state] ?? 'neutral'}>{s.state}</Badge>
                  {s.error && <div className="small step-error">{s.error}</div>}
                </td>
                <td className="num">
                  {s.attempt}/{s.maxAttempts}
                </td>
                <td>
                  <When at={s.startedAt} />
                </td>
                <td className="num">{s.startedAt ? duration(s.startedAt, s.finishedAt ?? Date.now()) : '—'}</td>
                <td className="num">{s.exitCode ?? ''}</td>
                <td>{s.mlflowRunId ? <Link to={`/runs/${s.mlflowRunId}`}>{s.mlflowRunId.slice(0, 10)}</Link> : ''}</td>
                <td>
                  <button type="button" className="link" aria-pressed={s.name === step} onClick={() => setParams({ step: s.name }, { replace: true })} disabled={s.startedAt === null}>
                    {s.startedAt === null ? 'not started' : `Logs of ${s.name}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      {step && <StepLog r={r} step={step} />}
      {paramRows.length > 0 && (
        <Panel title="Parameters">
          <table className="simple">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Param</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {paramRows.map((p) => (
                <tr key={`${p.step}.${p.key}`}>
                  <td>{p.step}</td>
                  <td>{p.key}</td>
                  <td>
                    <code>{p.value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
    </Page>
  );
}

function StepLog({ r, step }: { r: PipelineRun; step: string }) {
  const s = r.steps.find((x) => x.name === step);
  const log = useApi(s && s.startedAt !== null ? (signal) => stepLog(r.pipeline, r.id, step, signal) : null, [r.pipeline, r.id, step]);
  const active = !!s && isActive(s.state);
  usePoll(active, log.reload);
  const pre = useRef<HTMLPreElement>(null);
  // Follow the end of a log that is still growing, as `tail -f` would.
  useEffect(() => {
    if (active && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data, active]);
  return (
    <Panel title={`Logs: ${step}`}>
      {!s || s.startedAt === null ? (
        <p className="muted">This step has not started.</p>
      ) : (
        <Async state={log} what="the log">
          {(l) =>
            l.log ? (
              <pre ref={pre} className="step-log" aria-label={`Output of ${step}`} tabIndex={0}>
                {l.log}
              </pre>
            ) : (
              <p className="muted">The step wrote nothing{active ? ' yet' : ''}.</p>
            )
          }
        </Async>
      )}
    </Panel>
  );
}
