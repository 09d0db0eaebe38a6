import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useCanWrite, useSession } from '../../api/session';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync, Refusal, fmt } from '../../components/ops-common';
import type { Deployment } from '../deployments/types';
import type { LabelingItem, QueueStats } from './types';

/** Pick a deployment whose predictions to label. */
export function LabelingIndexPage() {
  const state = useApi((signal) => api.get<{ deployments: Deployment[] }>('/api/v1/deployments', undefined, signal), []);
  return (
    <Page title="Labeling" subtitle="Reviewers label sampled predictions; each label becomes the prediction's actual">
      <OpsAsync state={state} what="deployments">
        {({ deployments }) =>
          deployments.length === 0 ? (
            <Empty title="Nothing to label yet">Deploy a model and send it traffic: its logged predictions can then be sampled into a labeling queue.</Empty>
          ) : (
            <ul className="ops-card-list">
              {deployments.map((d) => (
                <li key={d.name}>
                  <Link to={`/monitoring/labeling/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                  <span className="muted"> — {d.config.variants.map((v) => v.name).join(', ')}</span>
                </li>
              ))}
            </ul>
          )
        }
      </OpsAsync>
    </Page>
  );
}

/** "0, 1, spam" → [0, 1, 'spam']: numbers and booleans as such, like the CLI reads a label. */
export function parseChoices(text: string): (string | number | boolean)[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s === 'true' ? true : s === 'false' ? false : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

const stored = (key: string, fallback: string) => {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
};
const store = (key: string, value: string) => {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
};

/** Typing in a field must not label anything. */
const typingIn = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName));

/** A deployment's labeling queue: stats, sampling, and the keyboard-driven review. */
export function LabelingQueuePage() {
  const deployment = useParams().deployment!;
  const { session } = useSession();
  const canWrite = useCanWrite();
  const stats = useApi((signal) => api.get<QueueStats>(`/api/v1/labeling/${encodeURIComponent(deployment)}/stats`, undefined, signal), [deployment]);
  const [reviewerName, setReviewerName] = useState(() => stored('flywheel.reviewer', ''));
  const reviewer = session?.user?.username ?? reviewerName.trim();
  const [choicesText, setChoicesText] = useState(() => stored(`flywheel.labels.${deployment}`, '0, 1'));
  const choices = useMemo(() => parseChoices(choicesText), [choicesText]);

  return (
    <Page title={`Labeling: ${deployment}`} subtitle="Number keys pick a label, S skips; the next item loads by itself">
      <p>
        <Link to="/monitoring/labeling">← All queues</Link> · <Link to={`/deployments/${encodeURIComponent(deployment)}`}>deployment {deployment}</Link>
      </p>
      <div className="grid-2">
        <Panel title="Queue" actions={<button type="button" onClick={stats.reload}>Refresh</button>}>
          <OpsAsync state={stats} what="queue counts">
            {(s) => (
              <>
                <ul className="tiles ops-tiles">
                  {(['pending', 'claimed', 'labeled', 'skipped'] as const).map((k) => (
                    <li key={k} className="tile">
                      <span className="tile-value" data-testid={`queue-${k}`}>{s[k]}</span>
                      <span className="tile-label">{k}</span>
                    </li>
                  ))}
                </ul>
                {s.variants.length > 0 && (
                  <table className="simple">
                    <thead>
                      <tr>
                        <th scope="col">Variant</th>
                        <th scope="col" className="num">Pending</th>
                        <th scope="col" className="num">Labeled</th>
                        <th scope="col" className="num">Skipped</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.variants.map((v) => (
                        <tr key={v.variant}>
                          <th scope="row">{v.variant}</th>
                          <td className="num">{v.pending + v.claimed}</td>
                          <td className="num">{v.labeled}</td>
                          <td className="num">{v.skipped}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {s.reviewers.length > 0 && <p className="muted">Labeled by {s.reviewers.map((r) => `${r.reviewer} (${r.labeled})`).join(', ')}.</p>}
              </>
            )}
          </OpsAsync>
        </Panel>
        {canWrite ? <SamplingPanel deployment={deployment} onSampled={stats.reload} /> : (
          <Panel title="Sampling">
            <p className="muted">Log in to sample predictions into the queue and to label them.</p>
          </Panel>
        )}
      </div>
      {canWrite && (
        <Panel title="Review">
          <div className="field-row">
            {!session?.user && (
              <label>
                Reviewer name
                <input value={reviewerName} onChange={(e) => { setReviewerName(e.target.value); store('flywheel.reviewer', e.target.value); }} placeholder="your name" />
              </label>
            )}
            <label className="ops-grow">
              Label choices (comma separated; key 1 picks the first)
              <input value={choicesText} onChange={(e) => { setChoicesText(e.target.value); store(`flywheel.labels.${deployment}`, e.target.value); }} />
            </label>
          </div>
          {reviewer ? <Reviewer deployment={deployment} reviewer={reviewer} choices={choices} onDone={stats.reload} /> : <p className="muted">Enter your name to start: each label is recorded under it.</p>}
        </Panel>
      )}
    </Page>
  );
}

function SamplingPanel({ deployment, onSampled }: { deployment: string; onSampled: () => void }) {
  const [strategy, setStrategy] = useState('least_confident');
  const [share, setShare] = useState('0.1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      await api.put(`/api/v1/labeling/${encodeURIComponent(deployment)}/policy`, { strategy, share: Number(share) });
      const r = await api.post<{ scanned: number; queued: number; unscorable: number }>(`/api/v1/labeling/${encodeURIComponent(deployment)}/sample`, {});
      setResult(`Read ${r.scanned} predictions, queued ${r.queued} new items${r.unscorable ? ` (${r.unscorable} had no readable score)` : ''}.`);
      onSampled();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Sampling">
      <form className="inline" onSubmit={(e) => void submit(e)}>
        <label>
          Strategy
          <select value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            <option value="least_confident">least confident first</option>
            <option value="random">random</option>
          </select>
        </label>
        <label>
          Share of predictions
          <input type="number" min={0.001} max={1} step="any" value={share} onChange={(e) => setShare(e.target.value)} className="ops-weight" />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Sampling…' : 'Save policy and sample now'}
        </button>
      </form>
      <p className="muted">Samples the predictions logged since the last run (each variant separately), so a small canary gets its share too.</p>
      {error !== null && <Refusal error={error} title="Refused:" />}
      {result && (
        <p className="ops-ok" role="status">
          {result}
        </p>
      )}
    </Panel>
  );
}

/** One item at a time: number keys label it, S skips it, and the next one is claimed. */
function Reviewer({ deployment, reviewer, choices, onDone }: { deployment: string; reviewer: string; choices: (string | number | boolean)[]; onDone: () => void }) {
  const [item, setItem] = useState<LabelingItem | null | undefined>(undefined);
  const [started, setStarted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [last, setLast] = useState<string | null>(null);
  const busyRef = useRef(false);

  const next = useCallback(async () => {
    const r = await api.get<{ items: LabelingItem[] }>(`/api/v1/labeling/${encodeURIComponent(deployment)}/next`, { reviewer, count: 1 });
    setItem(r.items[0] ?? null);
  }, [deployment, reviewer]);

  const act = useCallback(
    async (what: { label: string | number | boolean } | 'skip') => {
      if (busyRef.current) return;
      busyRef.current = true;
      setBusy(true);
      setError(null);
      try {
        if (item) {
          if (what === 'skip') {
            await api.post(`/api/v1/labeling/items/${item.id}/skip`, { reviewer });
            setLast(`Skipped item ${item.id}.`);
          } else {
            await api.post(`/api/v1/labeling/items/${item.id}/label`, { label: what.label, reviewer });
            setLast(`Labeled item ${item.id} as ${String(what.label)}.`);
          }
          onDone();
        }
        await next();
      } catch (e) {
        setError(e);
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [item, reviewer, next, onDone],
  );

  const start = async () => {
    setStarted(true);
    setError(null);
    try {
      await next();
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    if (!started || !item) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      if (/^[1-9]$/.test(e.key)) {
        const c = choices[Number(e.key) - 1];
        if (c === undefined) return;
        e.preventDefault();
        void act({ label: c });
      } else if (e.key === 's' || e.key === 'S') {
        e.preventDefault();
        void act('skip');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [started, item, choices, act]);

  if (!started)
    return (
      <button type="button" className="primary" onClick={() => void start()}>
        Start reviewing as {reviewer}
      </button>
    );
  return (
    <div className="ops-review" aria-busy={busy}>
      <p className="ops-ok" role="status" aria-live="polite">
        {last ?? ''}
      </p>
      {error !== null && <Refusal error={error} title="Refused:" />}
      {item === undefined ? (
        <p className="muted">Claiming the next item…</p>
      ) : item === null ? (
        <Empty title="The queue is empty">Nothing left for you to review. Sample more predictions above, or come back later.</Empty>
      ) : (
        <article className="ops-item" aria-label={`Item ${item.id}`}>
          <header>
            <h3>
              Item {item.id} <Badge tone="info">variant {item.variant}</Badge>
            </h3>
            <p className="muted">
              Predicted <When at={item.predictionTs} /> · inference id <code>{item.inferenceId}</code> · sampling priority {fmt(item.priority, 3)} <span className="muted">(lowest first: the least confident, or a random draw)</span>
            </p>
          </header>
          <div className="grid-2">
            <TensorView title="Inputs" tensors={item.inputs} />
            <TensorView title="Model output" tensors={item.outputs} />
          </div>
          <div className="ops-label-buttons" role="group" aria-label="Label">
            {choices.map((c, i) => (
              <button key={`${String(c)}-${i}`} type="button" className="primary" disabled={busy} onClick={() => void act({ label: c })} aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}>
                {i < 9 && <kbd>{i + 1}</kbd>} {String(c)}
              </button>
            ))}
            <button type="button" disabled={busy} onClick={() => void act('skip')} aria-keyshortcuts="S">
              <kbd>S</kbd> Skip
            </button>
          </div>
        </article>
      )}
    </div>
  );
}

function TensorView({ title, tensors }: { title: string; tensors: LabelingItem['inputs'] }) {
  return (
    <section>
      <h4>{title}</h4>
      {!tensors ? (
        <p className="muted">not logged (payload too large)</p>
      ) : (
        <dl className="facts">
          {Object.entries(tensors).map(([name, t]) => {
            const data = Array.isArray(t.data) ? (t.data.flat(3) as unknown[]) : [];
            return (
              <div key={name} className="ops-contents">
                <dt>
                  {name} <span className="muted">[{t.shape.join('×')}]</span>
                </dt>
                <dd className="ops-values">{data.slice(0, 64).map((v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : String(v))).join(', ')}{data.length > 64 ? ', …' : ''}</dd>
              </div>
            );
          })}
        </dl>
      )}
    </section>
  );
}
