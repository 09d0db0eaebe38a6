import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import type { EChartsOption } from 'echarts';
import { DATASHEET_SECTIONS, type ColumnProfile, type Datasheet, type DatasetVersion } from '@flywheel/contract';
import { api } from '../../api/client';
import { useCanWrite } from '../../api/session';
import { useApi } from '../../api/use-api';
import { EChart } from '../../components/echart';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty, ErrorBox } from '../../components/states';
import { GuardedAsync } from '../../components/guarded-async';
import { datasheetPath, downloadUrl, getDatasetVersion } from './datasets-api';

const TABS = [
  { id: 'profile', label: 'Profile' },
  { id: 'schema', label: 'Schema' },
  { id: 'datasheet', label: 'Datasheet' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** One dataset version: its profile (a histogram or top categories per column), schema and datasheet. */
export function DatasetVersionPage() {
  const { name = '', version = '' } = useParams();
  const state = useApi((signal) => getDatasetVersion(name, version, signal), [name, version]);
  return <GuardedAsync state={state} what="dataset version">{(v) => <VersionView v={v} reload={state.reload} />}</GuardedAsync>;
}

function VersionView({ v, reload }: { v: DatasetVersion; reload: () => void }) {
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find((t) => t.id === params.get('tab'))?.id ?? 'profile') as Tab;
  return (
    <Page
      title={`${v.dataset} v${v.version}`}
      subtitle={
        <>
          <Link to="/datasets">Datasets</Link> · <Link to={`/datasets/${encodeURIComponent(v.dataset)}`}>{v.dataset}</Link> · registered <When at={v.createdAt} />
          {v.createdBy ? ` by ${v.createdBy}` : ''}
        </>
      }
      actions={
        <>
          <Link className="button" to={`/lineage?ref=${encodeURIComponent(`dataset:${v.dataset}/${v.version}`)}&direction=downstream`}>
            What used it
          </Link>
          {v.artifactPath && (
            <a className="button" href={downloadUrl(v.dataset, v.version)} download>
              Download
            </a>
          )}
        </>
      }
    >
      <dl className="facts summary-facts">
        <dt>Format</dt>
        <dd>{v.format}</dd>
        <dt>Rows</dt>
        <dd>{v.rowCount?.toLocaleString() ?? 'unknown'}</dd>
        <dt>Columns</dt>
        <dd>{v.schema?.length ?? 'unknown'}</dd>
        <dt>Content hash</dt>
        <dd>{v.contentHash ? <code>{v.contentHash}</code> : '—'}</dd>
        {v.sourceUri && (
          <>
            <dt>Source</dt>
            <dd className="wrap">{v.sourceUri}</dd>
          </>
        )}
      </dl>
      <div className="tabs" role="tablist" aria-label="Dataset version sections">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setParams(t.id === 'profile' ? {} : { tab: t.id }, { replace: true })}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)!.label}>
        {tab === 'profile' && <Profile v={v} />}
        {tab === 'schema' && <Schema v={v} />}
        {tab === 'datasheet' && <DatasheetTab v={v} onSaved={reload} />}
      </div>
    </Page>
  );
}

function Schema({ v }: { v: DatasetVersion }) {
  if (!v.schema) return <Empty title="No schema">This version was registered by URI without a schema; the server did not read its data.</Empty>;
  return (
    <Panel title={`Schema (${v.schema.length} columns)`}>
      <table className="simple">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Nullable</th>
          </tr>
        </thead>
        <tbody>
          {v.schema.map((c, i) => (
            <tr key={c.name}>
              <td className="num">{i + 1}</td>
              <td>{c.name}</td>
              <td>
                <code>{c.type}</code>
              </td>
              <td>{c.nullable ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

/** Column profiles drawn per page: each is a chart, and a wide table has thousands of columns. */
const PROFILE_PAGE = 12;

function Profile({ v }: { v: DatasetVersion }) {
  const [q, setQ] = useState('');
  const [page, setPage] = useState(0);
  const columns = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const all = v.profile?.columns ?? [];
    return needle ? all.filter((c) => c.name.toLowerCase().includes(needle)) : all;
  }, [v, q]);
  if (!v.profile) return <Empty title="No profile">Only files the server reads (CSV, Parquet) are profiled; this version was registered by URI.</Empty>;
  const pages = Math.max(1, Math.ceil(columns.length / PROFILE_PAGE));
  const shown = columns.slice(page * PROFILE_PAGE, (page + 1) * PROFILE_PAGE);
  return (
    <>
      <div className="toolbar">
        <label className="grow">
          Find a column
          <input
            type="search"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setPage(0);
            }}
          />
        </label>
        <span className="muted">
          {v.profile.rowCount.toLocaleString()} rows · {columns.length} columns
        </span>
        {pages > 1 && (
          <span className="pager">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              {page + 1} / {pages}
            </span>
            <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </span>
        )}
      </div>
      <div className="profiles">
        {shown.map((c) => (
          <ColumnCard key={c.name} c={c} rows={v.profile!.rowCount} />
        ))}
      </div>
    </>
  );
}

const fmt = (x: number) => (Number.isInteger(x) ? x.toLocaleString() : Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(4))));

function ColumnCard({ c, rows }: { c: ColumnProfile; rows: number }) {
  const missingPct = rows ? (100 * c.missing) / rows : 0;
  return (
    <section className="panel profile-card" aria-labelledby={`col-${c.name}`}>
      <header className="profile-head">
        <h3 id={`col-${c.name}`}>{c.name}</h3>
        <code>{c.type}</code>
        {c.missing > 0 && <Badge tone={missingPct > 20 ? 'warn' : 'neutral'}>{missingPct < 0.1 ? '<0.1' : missingPct.toFixed(1)}% missing</Badge>}
      </header>
      {c.numeric ? (
        <>
          <Histogram c={c} />
          <dl className="stats">
            <dt>min</dt>
            <dd>{fmt(c.numeric.min)}</dd>
            <dt>mean</dt>
            <dd>{fmt(c.numeric.mean)}</dd>
            <dt>max</dt>
            <dd>{fmt(c.numeric.max)}</dd>
            <dt>std</dt>
            <dd>{c.numeric.std === null ? '—' : fmt(c.numeric.std)}</dd>
            <dt>p05</dt>
            <dd>{fmt(c.numeric.quantiles.p05)}</dd>
            <dt>median</dt>
            <dd>{fmt(c.numeric.quantiles.p50)}</dd>
            <dt>p95</dt>
            <dd>{fmt(c.numeric.quantiles.p95)}</dd>
            <dt>values</dt>
            <dd>{c.count.toLocaleString()}</dd>
          </dl>
        </>
      ) : c.categorical ? (
        <>
          <TopCategories c={c} />
          <p className="muted small">
            {c.categorical.distinctExact === false ? 'more than ' : ''}
            {c.categorical.distinct.toLocaleString()} distinct values{c.categorical.top.length < c.categorical.distinct ? `, the top ${c.categorical.top.length} shown` : ''}.
          </p>
        </>
      ) : c.datetime ? (
        <dl className="stats">
          <dt>from</dt>
          <dd>{c.datetime.min}</dd>
          <dt>to</dt>
          <dd>{c.datetime.max}</dd>
          <dt>values</dt>
          <dd>{c.count.toLocaleString()}</dd>
        </dl>
      ) : (
        <p className="muted">{c.count ? 'No distribution recorded for this column.' : 'Every value is missing.'}</p>
      )}
    </section>
  );
}

function Histogram({ c }: { c: ColumnProfile }) {
  const h = c.numeric!.histogram;
  const option = useMemo<EChartsOption>(() => {
    const labels = h.counts.map((_, i) => `${fmt(h.edges[i]!)} – ${fmt(h.edges[i + 1]!)}`);
    return {
      grid: { left: 44, right: 8, top: 10, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: labels, axisLabel: { show: false }, axisTick: { show: false } },
      yAxis: { type: 'value', axisLabel: { fontSize: 10 } },
      series: [{ type: 'bar', data: h.counts, barCategoryGap: '4%', itemStyle: { color: '#0072B2' }, name: c.name }],
    };
  }, [h, c.name]);
  return (
    <>
      <EChart option={option} height={150} label={`Histogram of ${c.name}: ${h.counts.length} bins from ${fmt(c.numeric!.min)} to ${fmt(c.numeric!.max)}`} />
      <div className="axis-ends muted small" aria-hidden="true">
        <span>{fmt(h.edges[0] ?? c.numeric!.min)}</span>
        <span>{fmt(h.edges[h.edges.length - 1] ?? c.numeric!.max)}</span>
      </div>
    </>
  );
}

function TopCategories({ c }: { c: ColumnProfile }) {
  const top = c.categorical!.top;
  const option = useMemo<EChartsOption>(() => {
    const shown = top.slice(0, 10).reverse();
    return {
      grid: { left: 96, right: 30, top: 4, bottom: 4, containLabel: false },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', show: false },
      yAxis: { type: 'category', data: shown.map((t) => (t.value.length > 14 ? `${t.value.slice(0, 13)}…` : t.value || '(empty)')), axisLabel: { fontSize: 11 }, axisTick: { show: false } },
      series: [{ type: 'bar', data: shown.map((t) => t.count), itemStyle: { color: '#009E73' }, label: { show: true, position: 'right', fontSize: 10 }, name: c.name }],
    };
  }, [top, c.name]);
  if (top.length === 0) return <p className="muted">No values.</p>;
  return <EChart option={option} height={Math.max(80, Math.min(top.length, 10) * 22 + 12)} label={`Most frequent values of ${c.name}: ${top.slice(0, 5).map((t) => `${t.value} (${t.count})`).join(', ')}`} />;
}

const SECTION_LABEL: Record<(typeof DATASHEET_SECTIONS)[number], { label: string; hint: string }> = {
  motivation: { label: 'Motivation', hint: 'Why was the dataset created, by whom, funded by whom?' },
  composition: { label: 'Composition', hint: 'What do the instances represent; how many; is anything missing or sensitive?' },
  collectionProcess: { label: 'Collection process', hint: 'How was the data acquired, sampled, over what time frame?' },
  preprocessing: { label: 'Preprocessing, cleaning, labeling', hint: 'What was done to the raw data?' },
  uses: { label: 'Uses', hint: 'What has it been used for; what should it not be used for?' },
  distribution: { label: 'Distribution', hint: 'Who may get it, under which license?' },
  maintenance: { label: 'Maintenance', hint: 'Who maintains it, how are errors reported?' },
};

function DatasheetTab({ v, onSaved }: { v: DatasetVersion; onSaved: () => void }) {
  const canWrite = useCanWrite();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Datasheet>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const sheet = v.datasheet ?? {};
  const written = DATASHEET_SECTIONS.filter((s) => sheet[s]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const clean: Datasheet = {};
    for (const s of DATASHEET_SECTIONS) if (draft[s]?.trim()) clean[s] = draft[s];
    try {
      await api.put(datasheetPath(v.dataset, v.version), clean);
      setEditing(false);
      onSaved();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  if (editing) {
    return (
      <form className="panel card-editor" onSubmit={(e) => void save(e)} aria-label="Edit the datasheet">
        {DATASHEET_SECTIONS.map((s) => (
          <label key={s}>
            {SECTION_LABEL[s].label}
            <span className="muted small">{SECTION_LABEL[s].hint}</span>
            <textarea rows={3} value={draft[s] ?? ''} onChange={(e) => setDraft({ ...draft, [s]: e.target.value })} maxLength={20000} />
          </label>
        ))}
        {error && <ErrorBox error={error} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save datasheet
          </button>
          <button type="button" disabled={busy} onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  const edit = () => {
    setDraft({ ...sheet });
    setEditing(true);
  };
  if (written.length === 0) {
    return (
      <Empty title="No datasheet yet">
        A datasheet records why the data exists, what it holds and how it may be used (Gebru et al.).{' '}
        {canWrite && (
          <button type="button" className="primary" onClick={edit}>
            Write the datasheet
          </button>
        )}
      </Empty>
    );
  }
  return (
    <Panel
      title="Datasheet"
      actions={
        canWrite ? (
          <button type="button" onClick={edit}>
            Edit datasheet
          </button>
        ) : undefined
      }
    >
      <dl className="card-sections">
        {DATASHEET_SECTIONS.map((s) => (
          <div key={s}>
            <dt>{SECTION_LABEL[s].label}</dt>
            <dd className="wrap">{sheet[s] || <span className="muted">Not written.</span>}</dd>
          </div>
        ))}
      </dl>
    </Panel>
  );
}
