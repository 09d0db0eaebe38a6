import { posix } from 'node:path';
import { DomainError, type TensorSpec } from '@flywheel/contract';
import { proxiedStorePath, readArtifactBytes, type ArtifactEntry, type ArtifactStore } from '../../artifacts/index.js';
import { onnxSignature } from './onnx-signature.js';

/** What signature extraction found in a model version's source. */
export interface FoundSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  source: 'onnx' | 'mlflow';
  /** The store-relative file it was read from. */
  file: string;
}

/** Where a version's model lives in the artifact store: its ONNX file and its MLmodel file, if any. */
export interface ModelFiles {
  onnx: ArtifactEntry | undefined;
  mlmodel: ArtifactEntry | undefined;
}

/**
 * The model files behind a `mlflow-artifacts:/…` source: the ONNX file is the source itself, or
 * `model.onnx`, or the only `*.onnx` in the source folder. Null when the source is not in the
 * store. Serving loads the same file the registry read the signature from.
 */
export async function locateModelFiles(store: ArtifactStore, source: string): Promise<ModelFiles | null> {
  const root = proxiedStorePath(source);
  if (root === null) return null;
  const entry = await store.stat(root);
  if (!entry) return null;
  if (!entry.isDir) return { onnx: root.toLowerCase().endsWith('.onnx') ? entry : undefined, mlmodel: undefined };
  const files = (await store.list(root)).filter((e) => !e.isDir);
  const onnxFiles = files.filter((f) => f.path.toLowerCase().endsWith('.onnx'));
  return {
    onnx: onnxFiles.find((f) => posix.basename(f.path) === 'model.onnx') ?? (onnxFiles.length === 1 ? onnxFiles[0] : undefined),
    mlmodel: files.find((f) => posix.basename(f.path) === 'MLmodel'),
  };
}

const tooLarge = (maxBytes: number) => (path: string, size: number | undefined) =>
  new DomainError('PAYLOAD_TOO_LARGE', `Artifact '${path}' is ${size === undefined ? 'more than' : `${size} bytes, more than`} the ${maxBytes} bytes read for a signature.`);

/**
 * Looks for the model behind a version's `source` in the artifact store and reads its signature:
 * the graph of an ONNX file (the source itself, else `model.onnx` or the only `*.onnx` in the
 * source folder), else the `signature` of an MLflow `MLmodel` file in that folder. Null when the
 * source is not in the store or holds neither; throws when a file is there but unreadable.
 */
export async function findModelSignature(store: ArtifactStore, source: string, opts: { maxBytes: number }): Promise<FoundSignature | null> {
  const found = await locateModelFiles(store, source);
  if (!found) return null;
  const read = (f: ArtifactEntry, maxBytes: number) => readArtifactBytes(store, f.path, { size: f.fileSize, maxBytes, tooLarge: tooLarge(maxBytes) });
  const { onnx: onnxFile, mlmodel } = found;
  let onnxError: unknown;
  if (onnxFile) {
    try {
      return { ...onnxSignature(await read(onnxFile, opts.maxBytes)), source: 'onnx', file: onnxFile.path };
    } catch (e) {
      onnxError = e; // the MLmodel may still describe it
    }
  }
  if (mlmodel) {
    const text = (await read(mlmodel, Math.min(opts.maxBytes, 16 * 1024 * 1024))).toString('utf8');
    const sig = mlmodelSignature(text);
    if (sig) return { ...sig, source: 'mlflow', file: mlmodel.path };
  }
  if (onnxError) throw onnxError;
  return null;
}

// ---- MLmodel ---------------------------------------------------------------------------------

/** MLflow column types (mlflow/types/schema.py DataType) → element type names. */
const MLFLOW_TYPES: Record<string, string> = {
  boolean: 'bool',
  integer: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'string',
  binary: 'binary',
  datetime: 'datetime',
};
/** numpy dtype names in MLflow tensor specs, where they differ from ours. */
const NUMPY_TYPES: Record<string, string> = { str: 'string', object: 'string', bytes: 'binary', bool_: 'bool', float: 'float64', int: 'int64' };

function mlflowSpec(raw: unknown, where: string): TensorSpec {
  if (raw === null || typeof raw !== 'object') throw new DomainError('INVALID_INPUT', `MLmodel signature ${where} is not an object.`);
  const o = raw as Record<string, unknown>;
  const name = typeof o.name === 'string' ? o.name : '';
  if (o.type === 'tensor') {
    const ts = (o['tensor-spec'] ?? {}) as { dtype?: unknown; shape?: unknown };
    const dtype = typeof ts.dtype === 'string' ? ts.dtype : 'undefined';
    const shape = Array.isArray(ts.shape) ? ts.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) : null;
    return { name, elemType: NUMPY_TYPES[dtype] ?? dtype, shape };
  }
  const type = typeof o.type === 'string' ? o.type : 'undefined';
  // A column holds one value per row: a batch of unknown length.
  return { name, elemType: MLFLOW_TYPES[type] ?? type, shape: [null] };
}

function specs(json: string | null, what: string): TensorSpec[] {
  if (json === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new DomainError('INVALID_INPUT', `MLmodel signature ${what} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new DomainError('INVALID_INPUT', `MLmodel signature ${what} is not a JSON array.`);
  return parsed.map((s, i) => mlflowSpec(s, `${what}[${i}]`));
}

/**
 * The `signature` of an MLflow `MLmodel` file (YAML), or null when it has none. Only as much YAML
 * as MLflow writes there is read: a top-level `signature:` mapping whose `inputs` and `outputs`
 * are JSON strings, single- or double-quoted or plain, possibly folded over several lines.
 */
export function mlmodelSignature(text: string): { inputs: TensorSpec[]; outputs: TensorSpec[] } | null {
  const block = yamlBlock(text.split(/\r?\n/), 'signature');
  if (!block) return null;
  const inputs = block.get('inputs') ?? null;
  const outputs = block.get('outputs') ?? null;
  if (inputs === null && outputs === null) return null;
  return { inputs: specs(inputs, 'inputs'), outputs: specs(outputs, 'outputs') };
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** The scalar values of the mapping under the top-level `key:` (null for YAML null). */
function yamlBlock(lines: string[], key: string): Map<string, string | null> | null {
  const start = lines.findIndex((l) => new RegExp(`^${key}:\\s*(#.*)?$`).test(l));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || indentOf(lines[end]!) > 0)) end++;
  const body = lines.slice(start + 1, end);
  const first = body.find((l) => l.trim() !== '');
  if (!first) return null;
  const keyIndent = indentOf(first);
  const out = new Map<string, string | null>();
  for (let i = 0; i < body.length; i++) {
    const line = body[i]!;
    if (line.trim() === '' || indentOf(line) !== keyIndent) continue;
    const m = /^\s*([\w-]+):(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const cont: string[] = [];
    for (let j = i + 1; j < body.length && (body[j]!.trim() === '' || indentOf(body[j]!) > keyIndent); j++) cont.push(body[j]!);
    out.set(m[1]!, yamlScalar(m[2] ?? '', cont));
  }
  return out;
}

/** Folds a flow scalar's lines as YAML does: one line break becomes a space, an empty line a newline. */
function fold(lines: string[], escapedBreaks = false): string {
  let out = '';
  let pendingNewlines = 0;
  lines.forEach((raw, i) => {
    const line = i === 0 ? raw.replace(/[ \t]+$/, '') : raw.trim();
    if (i > 0 && line === '') {
      pendingNewlines++;
      return;
    }
    if (i > 0 && escapedBreaks && !pendingNewlines && /(^|[^\\])(\\\\)*\\$/.test(out)) out = out.slice(0, -1); // `\` at the end joins the lines
    else if (i > 0) out += pendingNewlines ? '\n'.repeat(pendingNewlines) : ' ';
    pendingNewlines = 0;
    out += line;
  });
  return out;
}

function yamlScalar(head: string, cont: string[]): string | null {
  const h = head.trim();
  if (h === '' && cont.every((l) => l.trim() === '')) return null;
  if (h === '|' || h === '|-' || h === '>' || h === '>-') {
    const lines = cont.filter((l, i) => l.trim() !== '' || i < cont.length - 1);
    const ind = Math.min(...lines.filter((l) => l.trim() !== '').map(indentOf));
    const stripped = lines.map((l) => l.slice(ind));
    return h.startsWith('|') ? stripped.join('\n') : stripped.join(' ');
  }
  if (h.startsWith("'")) {
    const text = fold([h.slice(1), ...cont]);
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i++;
        } else return out;
      } else out += text[i];
    }
    throw new DomainError('INVALID_INPUT', 'MLmodel signature: unterminated single-quoted string.');
  }
  if (h.startsWith('"')) {
    const text = fold([h.slice(1), ...cont], true);
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[++i];
      if (e === 'u' || e === 'x' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        out += String.fromCodePoint(parseInt(text.slice(i + 1, i + 1 + len), 16));
        i += len;
      } else {
        out += ({ n: '\n', t: '\t', r: '\r', '0': '\0', '/': '/', '\\': '\\', '"': '"' } as Record<string, string>)[e ?? ''] ?? e ?? '';
      }
    }
    throw new DomainError('INVALID_INPUT', 'MLmodel signature: unterminated double-quoted string.');
  }
  const plain = fold([h.replace(/\s+#.*$/, ''), ...cont.map((l) => l.replace(/\s+#.*$/, ''))]);
  return plain === 'null' || plain === '~' || plain === 'Null' || plain === 'NULL' ? null : plain;
}
