import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Async, Empty, ErrorBox, Loading } from '../../components/states';

interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

const PROXY_SCHEME = 'mlflow-artifacts:';

/** Where the server's artifact proxy serves a run's file, or null when the run's artifacts live elsewhere (a path or bucket the browser cannot reach). */
export function artifactUrl(artifactUri: string, path: string): string | null {
  if (!artifactUri.startsWith(PROXY_SCHEME)) return null;
  let rest = artifactUri.slice(PROXY_SCHEME.length);
  if (rest.startsWith('//')) rest = rest.replace(/^\/\/[^/]*/, '');
  const root = rest.replace(/^\/+/, '').replace(/\/+$/, '');
  const encoded = `${root}/${path}`.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  return `/api/2.0/mlflow-artifacts/artifacts/${encoded}`;
}

type Kind = 'image' | 'csv' | 'text' | 'other';
const EXT_KIND: Record<string, Kind> = {
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', svg: 'image', webp: 'image',
  csv: 'csv', tsv: 'csv',
  txt: 'text', log: 'text', json: 'text', yaml: 'text', yml: 'text', md: 'text', py: 'text', toml: 'text', cfg: 'text', ini: 'text', html: 'text', xml: 'text', sh: 'text', mlmodel: 'text',
};
function kindOf(path: string): Kind {
  const name = path.split('/').pop() ?? '';
  if (name === 'MLmodel' || name === 'requirements.txt' || name === 'conda.yaml') return 'text';
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return EXT_KIND[ext] ?? 'other';
}

/** Bytes a preview reads at most; a bigger file is offered as a download. */
const PREVIEW_BYTES = 2 * 1024 * 1024;
const CSV_ROWS = 200;

function size(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The run's artifact tree (folders open in place, listed by MLflow's artifacts/list) beside a preview of the chosen file. */
export function ArtifactsBrowser({ runId, artifactUri }: { runId: string; artifactUri: string }) {
  const [chosen, setChosen] = useState<ArtifactFile | null>(null);
  return (
    <div className="artifacts">
      <nav className="artifact-tree" aria-label="Artifacts">
        <Folder runId={runId} path="" depth={0} chosen={chosen} onChoose={setChosen} />
      </nav>
      <div className="artifact-preview">
        {chosen ? <Preview file={chosen} artifactUri={artifactUri} /> : <p className="muted">Choose a file to preview it.</p>}
      </div>
    </div>
  );
}

function Folder({ runId, path, depth, chosen, onChoose }: { runId: string; path: string; depth: number; chosen: ArtifactFile | null; onChoose: (f: ArtifactFile) => void }) {
  const state = useApi((signal) => api.get<{ files?: ArtifactFile[]; root_uri?: string }>('/api/2.0/mlflow/artifacts/list', { run_id: runId, path: path || undefined }, signal), [runId, path]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  return (
    <Async state={state} what="artifacts">
      {({ files = [] }) => {
        if (files.length === 0 && depth === 0) {
          return (
            <Empty title="No artifacts">
              Log files with <code>mlflow.log_artifact('plot.png')</code> or a model with <code>mlflow.onnx.log_model(…)</code>.
            </Empty>
          );
        }
        const sorted = [...files].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
        return (
          <ul className={depth === 0 ? 'tree' : undefined}>
            {sorted.map((f) => {
              const name = f.path.split('/').pop() ?? f.path;
              if (f.is_dir) {
                const isOpen = open.has(f.path);
                return (
                  <li key={f.path}>
                    <button
                      type="button"
                      className="tree-item"
                      aria-expanded={isOpen}
                      onClick={() =>
                        setOpen((s) => {
                          const n = new Set(s);
                          if (isOpen) n.delete(f.path);
                          else n.add(f.path);
                          return n;
                        })
                      }
                    >
                      <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span> {name}/
                    </button>
                    {isOpen && <Folder runId={runId} path={f.path} depth={depth + 1} chosen={chosen} onChoose={onChoose} />}
                  </li>
                );
              }
              return (
                <li key={f.path}>
                  <button type="button" className="tree-item" aria-current={chosen?.path === f.path ? 'true' : undefined} onClick={() => onChoose(f)}>
                    {name} <span className="muted small">{size(f.file_size)}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        );
      }}
    </Async>
  );
}

function Preview({ file, artifactUri }: { file: ArtifactFile; artifactUri: string }) {
  const url = artifactUrl(artifactUri, file.path);
  const kind = kindOf(file.path);
  const tooBig = (file.file_size ?? 0) > PREVIEW_BYTES;
  return (
    <section aria-label={`Preview of ${file.path}`}>
      <header className="preview-head">
        <h3>{file.path}</h3>
        {url && (
          <a className="button" href={url} download>
            Download
          </a>
        )}
      </header>
      {!url ? (
        <p className="muted">This run stores its artifacts at {artifactUri}, which the server does not proxy; open them there.</p>
      ) : kind === 'image' ? (
        <img className="artifact-image" src={url} alt={file.path} />
      ) : tooBig || kind === 'other' ? (
        <p className="muted">{tooBig ? `Too large to preview (${size(file.file_size)}).` : 'No preview for this kind of file.'} Use Download.</p>
      ) : (
        <TextPreview url={url} csv={kind === 'csv'} tsv={file.path.toLowerCase().endsWith('.tsv')} />
      )}
    </section>
  );
}

function TextPreview({ url, csv, tsv }: { url: string; csv: boolean; tsv: boolean }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setText(null);
    setError(null);
    fetch(url, { credentials: 'same-origin', signal: ctl.signal })
      .then(async (r) => {
        if (!r.ok) throw new Error(`The server answered HTTP ${r.status} for this file.`);
        setText(await r.text());
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      });
    return () => ctl.abort();
  }, [url]);
  if (error) return <ErrorBox error={error} />;
  if (text === null) return <Loading what="the file" />;
  if (csv) return <CsvTable text={text} sep={tsv ? '\t' : ','} />;
  let shown = text;
  if (url.toLowerCase().endsWith('.json')) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* not valid JSON: shown as written */
    }
  }
  return <pre className="artifact-text">{shown}</pre>;
}

/** RFC 4180 fields: quotes, doubled quotes, separators and newlines inside quotes. */
export function parseCsv(text: string, sep: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (rows.length > maxRows) return rows;
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function CsvTable({ text, sep }: { text: string; sep: string }) {
  const rows = useMemo(() => parseCsv(text, sep, CSV_ROWS), [text, sep]);
  if (rows.length === 0) return <p className="muted">Empty file.</p>;
  const [head, ...body] = rows;
  const more = body.length > CSV_ROWS;
  return (
    <>
      <div className="csv-scroll">
        <table className="simple csv">
          <thead>
            <tr>
              {head!.map((h, i) => (
                <th key={i} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.slice(0, CSV_ROWS).map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">{more ? `The first ${CSV_ROWS} rows; download the file for the rest.` : `${body.length} rows.`}</p>
    </>
  );
}
