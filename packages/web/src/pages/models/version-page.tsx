import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import {
  MODEL_CARD_TRANSITIONS,
  RISK_RATINGS,
  type ApprovalState,
  type ModelCard,
  type ModelCardRecord,
  type ModelCardStatus,
  type ModelVersionDetail,
  type RiskRating,
  type TensorSpec,
} from '@flywheel/contract';
import { api } from '../../api/client';
import { useCanWrite, useSession } from '../../api/session';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { Async, Empty, ErrorBox } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { LineageView } from './lineage-graph';
import { useLineage } from './lineage-page';
import { APPROVAL_TONE, approvalPath, CARD_STATUS_LABEL, CARD_TONE, cardPath, getApproval, getCard, getVersion, RISK_TONE } from './models-api';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'card', label: 'Model card' },
  { id: 'approval', label: 'Approval' },
  { id: 'lineage', label: 'Lineage' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** A model version: signature, aliases, its model card and status workflow, approvals, and lineage. */
export function VersionPage() {
  const { name = '', version = '' } = useParams();
  const detail = useApi((signal) => getVersion(name, version, signal), [name, version]);
  return <GuardedAsync state={detail} what="model version">{(d) => <VersionView detail={d} reload={detail.reload} />}</GuardedAsync>;
}

function VersionView({ detail, reload }: { detail: ModelVersionDetail; reload: () => void }) {
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'overview') as Tab;
  const d = detail;
  return (
    <Page
      title={`${d.name} v${d.version}`}
      subtitle={
        <>
          <Link to="/models">Registered models</Link> · <Link to={`/models/${encodeURIComponent(d.name)}`}>{d.name}</Link>
        </>
      }
      actions={
        <div className="badges">
          {d.aliases.map((a) => (
            <Badge key={a} tone="info">
              @{a}
            </Badge>
          ))}
          <Badge tone={APPROVAL_TONE[d.approval.status]}>{d.approval.status === 'pending' ? 'approval pending' : d.approval.status}</Badge>
          {d.card ? <Badge tone={CARD_TONE[d.card.status]}>card: {CARD_STATUS_LABEL[d.card.status]}</Badge> : <Badge>no model card</Badge>}
          {d.card?.riskRating && <Badge tone={RISK_TONE[d.card.riskRating]}>risk: {d.card.riskRating}</Badge>}
        </div>
      }
    >
      <div className="tabs" role="tablist" aria-label="Model version sections">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setParams(t.id === 'overview' ? {} : { tab: t.id }, { replace: true })}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)!.label}>
        {tab === 'overview' && <Overview d={d} />}
        {tab === 'card' && <CardTab d={d} onChanged={reload} />}
        {tab === 'approval' && <ApprovalTab d={d} onChanged={reload} />}
        {tab === 'lineage' && <LineageTab d={d} />}
      </div>
    </Page>
  );
}

function Overview({ d }: { d: ModelVersionDetail }) {
  return (
    <>
      <div className="grid-2">
        <Panel title="Version">
          <dl className="facts">
            <dt>Status</dt>
            <dd>{d.status}</dd>
            <dt>Stage</dt>
            <dd>{d.currentStage}</dd>
            <dt>Registered</dt>
            <dd>
              <When at={d.creationTimestamp} />
            </dd>
            <dt>Last updated</dt>
            <dd>
              <When at={d.lastUpdatedTimestamp} />
            </dd>
            <dt>By</dt>
            <dd>{d.userId || '—'}</dd>
            <dt>From run</dt>
            <dd>{d.runId ? <Link to={`/runs/${d.runId}`}>{d.runId}</Link> : '—'}</dd>
            <dt>Source</dt>
            <dd className="wrap">
              <code>{d.source ?? '—'}</code>
            </dd>
            {d.description && (
              <>
                <dt>Description</dt>
                <dd>{d.description}</dd>
              </>
            )}
          </dl>
        </Panel>
        <Panel title="Approval">
          <p>
            <Badge tone={APPROVAL_TONE[d.approval.status]}>{d.approval.status}</Badge>{' '}
            {d.approval.decidedBy && (
              <>
                by {d.approval.decidedBy}, <When at={d.approval.decidedAt} />
              </>
            )}
          </p>
          {d.approval.reason && <blockquote>{d.approval.reason}</blockquote>}
          <p className="muted">
            Model card: {d.card ? `${CARD_STATUS_LABEL[d.card.status]}${d.card.riskRating ? `, risk ${d.card.riskRating}` : ''}` : 'none yet'}.
          </p>
        </Panel>
      </div>
      <Panel title="Signature">
        {d.signature ? (
          <>
            <p className="muted small">
              Read from {d.signature.source === 'onnx' ? 'the ONNX model' : d.signature.source === 'mlflow' ? 'the MLmodel file' : 'a hand-written signature'}, <When at={d.signature.extractedAt} />.
            </p>
            <div className="grid-2">
              <Tensors title="Inputs" tensors={d.signature.inputs} />
              <Tensors title="Outputs" tensors={d.signature.outputs} />
            </div>
          </>
        ) : (
          <p className="muted">No signature: none could be read from the model files. Set one with PUT /api/v1/models/{d.name}/versions/{d.version}/signature.</p>
        )}
      </Panel>
    </>
  );
}

function Tensors({ title, tensors }: { title: string; tensors: TensorSpec[] }) {
  return (
    <table className="simple">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Shape</th>
        </tr>
      </thead>
      <tbody>
        {tensors.map((t, i) => (
          <tr key={i}>
            <td>{t.name || <span className="muted">(unnamed)</span>}</td>
            <td>
              <code>{t.elemType}</code>
            </td>
            <td>
              <code>{t.shape === null ? 'unknown' : `[${t.shape.map((s) => (s === null ? '?' : String(s))).join(', ')}]`}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SECTIONS: { key: Exclude<keyof ModelCard, 'quantitativeAnalyses' | 'riskRating'>; label: string; hint: string }[] = [
  { key: 'modelDetails', label: 'Model details', hint: 'Who built it, when, model type, training algorithm, license' },
  { key: 'intendedUse', label: 'Intended use', hint: 'Primary uses and users' },
  { key: 'outOfScopeUses', label: 'Out-of-scope uses', hint: 'What it is not meant for' },
  { key: 'factors', label: 'Factors', hint: 'Relevant groups, instrumentation, environments' },
  { key: 'metrics', label: 'Metrics', hint: 'Performance measures and decision thresholds' },
  { key: 'evaluationData', label: 'Evaluation data', hint: 'Datasets, motivation, preprocessing' },
  { key: 'trainingData', label: 'Training data', hint: 'What can be disclosed' },
  { key: 'ethicalConsiderations', label: 'Ethical considerations', hint: '' },
  { key: 'caveats', label: 'Caveats and recommendations', hint: '' },
];

const TRANSITION_LABEL: Record<ModelCardStatus, string> = { Draft: 'Request changes (back to draft)', PendingReview: 'Submit for review', Approved: 'Approve card', Archived: 'Archive' };

function CardTab({ d, onChanged }: { d: ModelVersionDetail; onChanged: () => void }) {
  // A version without a card answers 404 on /card: ask only when the version says it has one.
  const card = useApi(d.card ? (signal) => getCard(d.name, d.version, signal) : null, [d.name, d.version, d.card?.status, d.card?.riskRating]);
  const [editing, setEditing] = useState(false);
  const canWrite = useCanWrite();
  if (!d.card && !editing) {
    return (
      <Empty title="No model card yet">
        A model card says what the model is for, how it was evaluated and its risks (Mitchell et al., 2019).{' '}
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setEditing(true)}>
            Write the model card
          </button>
        ) : (
          'Someone who may change this model can write it.'
        )}
      </Empty>
    );
  }
  if (editing) {
    return (
      <CardEditor
        d={d}
        record={card.data}
        onDone={(changed) => {
          setEditing(false);
          if (changed) {
            onChanged();
            card.reload();
          }
        }}
      />
    );
  }
  return (
    <Async state={card} what="the model card">
      {(rec) => (
        <CardView
          rec={rec}
          canWrite={canWrite}
          onEdit={() => setEditing(true)}
          onChanged={() => {
            onChanged();
            card.reload();
          }}
          d={d}
        />
      )}
    </Async>
  );
}

function CardView({ rec, d, canWrite, onEdit, onChanged }: { rec: ModelCardRecord; d: ModelVersionDetail; canWrite: boolean; onEdit: () => void; onChanged: () => void }) {
  const { session } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const move = async (status: ModelCardStatus) => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`${cardPath(d.name, d.version)}/status`, { status, ...(session?.user ? { updatedBy: session.user.username } : {}) });
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const next = MODEL_CARD_TRANSITIONS[rec.status];
  return (
    <>
      <Panel
        title="Status"
        actions={
          canWrite && rec.status !== 'Archived' ? (
            <button type="button" onClick={onEdit}>
              Edit card
            </button>
          ) : undefined
        }
      >
        <ol className="workflow" aria-label="Model card workflow">
          {(['Draft', 'PendingReview', 'Approved', 'Archived'] as const).map((s) => (
            <li key={s} aria-current={rec.status === s ? 'step' : undefined} className={rec.status === s ? 'current' : undefined}>
              {CARD_STATUS_LABEL[s]}
            </li>
          ))}
        </ol>
        <p className="muted small">
          Last changed <When at={rec.updatedAt} />
          {rec.updatedBy ? ` by ${rec.updatedBy}` : ''}. Risk rating: {rec.card.riskRating ? <Badge tone={RISK_TONE[rec.card.riskRating]}>{rec.card.riskRating}</Badge> : 'not rated'}.
        </p>
        {canWrite && next.length > 0 && (
          <div className="actions">
            {next.map((s) => (
              <button key={s} type="button" className={s === 'Archived' ? 'danger' : s === 'Draft' ? undefined : 'primary'} disabled={busy} onClick={() => void move(s)}>
                {TRANSITION_LABEL[s]}
              </button>
            ))}
          </div>
        )}
        {error && <ErrorBox error={error} />}
      </Panel>
      <Panel title="Model card">
        <dl className="card-sections">
          {SECTIONS.map((s) => (
            <div key={s.key}>
              <dt>{s.label}</dt>
              <dd className="wrap">{rec.card[s.key] || <span className="muted">Not written.</span>}</dd>
            </div>
          ))}
        </dl>
        {(rec.card.quantitativeAnalyses?.length ?? 0) > 0 && (
          <table className="simple">
            <caption>Quantitative analyses</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Metric</th>
                <th scope="col" className="num">
                  Value
                </th>
              </tr>
            </thead>
            <tbody>
              {rec.card.quantitativeAnalyses!.map((q, i) => (
                <tr key={i}>
                  <td>{q.group}</td>
                  <td>{q.metric}</td>
                  <td className="num">{q.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

function CardEditor({ d, record, onDone }: { d: ModelVersionDetail; record: ModelCardRecord | undefined; onDone: (changed: boolean) => void }) {
  const { session } = useSession();
  const [card, setCard] = useState<ModelCard>(() => ({ ...(record?.card ?? {}) }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    // Empty sections are left out rather than stored as empty strings.
    const clean: ModelCard = {};
    for (const [k, v] of Object.entries(card)) if (v !== '' && v !== undefined) (clean as Record<string, unknown>)[k] = v;
    try {
      await api.put(cardPath(d.name, d.version), { card: clean, ...(session?.user ? { updatedBy: session.user.username } : {}) });
      onDone(true);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <form className="panel card-editor" onSubmit={(e) => void save(e)} aria-label="Edit the model card">
      {record?.status === 'Approved' && <p className="state error">This card is approved: saving a change makes it a draft again, to be reviewed anew.</p>}
      <label>
        Risk rating
        <select value={card.riskRating ?? ''} onChange={(e) => setCard({ ...card, riskRating: (e.target.value || null) as RiskRating | null })}>
          <option value="">not rated</option>
          {RISK_RATINGS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      {SECTIONS.map((s) => (
        <label key={s.key}>
          {s.label}
          {s.hint && <span className="muted small">{s.hint}</span>}
          <textarea rows={3} value={card[s.key] ?? ''} onChange={(e) => setCard({ ...card, [s.key]: e.target.value })} maxLength={20000} />
        </label>
      ))}
      {error && <ErrorBox error={error} />}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save card
        </button>
        <button type="button" onClick={() => onDone(false)} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ApprovalTab({ d, onChanged }: { d: ModelVersionDetail; onChanged: () => void }) {
  const state = useApi((signal) => getApproval(d.name, d.version, signal), [d.name, d.version]);
  return (
    <Async state={state} what="approvals">
      {(a) => (
        <ApprovalView
          a={a}
          d={d}
          onChanged={() => {
            state.reload();
            onChanged();
          }}
        />
      )}
    </Async>
  );
}

function ApprovalView({ a, d, onChanged }: { a: ApprovalState; d: ModelVersionDetail; onChanged: () => void }) {
  const { session } = useSession();
  const canWrite = useCanWrite();
  const [reason, setReason] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const decide = async (status: 'approved' | 'rejected') => {
    setBusy(true);
    setError(null);
    try {
      await api.post(approvalPath(d.name, d.version), { status, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(session?.user ? {} : { decidedBy: name.trim() }) });
      setReason('');
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Panel title="Current decision">
        <p>
          <Badge tone={APPROVAL_TONE[a.current.status]}>{a.current.status}</Badge>{' '}
          {a.current.decidedBy ? (
            <>
              by {a.current.decidedBy}, <When at={a.current.decidedAt} />
            </>
          ) : (
            <span className="muted">Nobody has decided on this version yet.</span>
          )}
        </p>
        {a.current.reason && <blockquote>{a.current.reason}</blockquote>}
      </Panel>
      {canWrite && (
        <Panel title="Review">
          <form className="review" onSubmit={(e) => e.preventDefault()}>
            {!session?.user && (
              <label>
                Your name
                <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="name" />
              </label>
            )}
            <label>
              Comment <span className="muted small">(required to reject)</span>
              <textarea rows={3} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={5000} />
            </label>
            <div className="actions">
              <button type="button" className="primary" disabled={busy || (!session?.user && !name.trim())} onClick={() => void decide('approved')}>
                Approve
              </button>
              <button type="button" className="danger" disabled={busy || !reason.trim() || (!session?.user && !name.trim())} onClick={() => void decide('rejected')}>
                Reject
              </button>
            </div>
            {error && <ErrorBox error={error} />}
          </form>
        </Panel>
      )}
      <Panel title={`History (${a.history.length})`}>
        {a.history.length === 0 ? (
          <p className="muted">No decisions yet.</p>
        ) : (
          <table className="simple">
            <thead>
              <tr>
                <th scope="col">Decision</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {a.history.map((h, i) => (
                <tr key={i}>
                  <td>
                    <Badge tone={APPROVAL_TONE[h.status]}>{h.status}</Badge>
                  </td>
                  <td>{h.decidedBy}</td>
                  <td>
                    <When at={h.decidedAt} />
                  </td>
                  <td className="wrap">{h.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}

function LineageTab({ d }: { d: ModelVersionDetail }) {
  const graph = useLineage(`model:${d.name}/${d.version}`, 'upstream');
  return (
    <Panel title="Lineage: datasets → run → version → deployments">
      <Async state={graph} what="the lineage">
        {(g) => (g.nodes.length <= 1 ? <Empty title="Nothing upstream">This version was not registered from a tracked run, so there is no run or dataset to show.</Empty> : <LineageView graph={g} />)}
      </Async>
      <p className="small">
        <Link to={`/lineage?ref=${encodeURIComponent(`model:${d.name}/${d.version}`)}`}>Open in the lineage explorer</Link>
      </p>
    </Panel>
  );
}
