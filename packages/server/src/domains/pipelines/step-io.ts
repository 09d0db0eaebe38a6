import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { ProducedOutput, ResolvedInput, StepDefinition } from './pipeline.model.js';
import { ioEnvName } from './pipeline.model.js';
import type { StepRunRow } from './pipelines.tables.js';

/** Dataset versions as a step sees them (the datasets domain, through main.ts). */
export interface DatasetResolver {
  resolve(name: string, version: number | 'latest'): Promise<{ version: number; contentHash: string | null }>;
}
/** Model versions registered from an MLflow run (the registry, through main.ts): a `model` output's lineage. */
export interface ModelVersionsOfRun {
  versionsOfRun(mlflowRunId: string): Promise<{ name: string; version: number }[]>;
}

/** Keys sorted at every level: the same value hashes the same however it was written. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The inputs of a step as they are now: upstream outputs (as recorded by their steps), dataset versions resolved, URIs as given. */
export async function resolveInputs(step: StepDefinition, rows: ReadonlyMap<string, StepRunRow>, datasets: DatasetResolver | undefined): Promise<ResolvedInput[]> {
  const out: ResolvedInput[] = [];
  for (const input of step.inputs ?? []) {
    if ('from' in input) {
      const [producer, name] = input.from.split('.') as [string, string];
      const produced = (JSON.parse(rows.get(producer)?.outputs ?? '{}') as Record<string, ProducedOutput>)[name];
      if (!produced) throw new Error(`input ${input.from}: step '${producer}' recorded no output '${name}'`);
      out.push({ from: input.from, output: produced });
    } else if ('dataset' in input) {
      if (!datasets) {
        if (input.version === 'latest') throw new Error(`input dataset ${input.dataset}@latest: this executor cannot resolve dataset versions`);
        out.push({ dataset: input.dataset, version: input.version, contentHash: null });
      } else {
        const v = await datasets.resolve(input.dataset, input.version);
        out.push({ dataset: input.dataset, version: v.version, contentHash: v.contentHash });
      }
    } else out.push({ artifact: input.artifact });
  }
  return out;
}

/**
 * What makes a step's result reusable: its command, environment, declared outputs, parameter
 * values and the identity of its inputs (upstream artifacts by content digest, metrics by value,
 * dataset versions by content hash). Retries, timeouts and the step's position do not count.
 */
export function cacheKey(pipelineName: string, step: StepDefinition, params: Record<string, unknown>, inputs: readonly ResolvedInput[]): string {
  const identity = inputs.map((i) => ('from' in i ? { from: i.from, output: i.output.kind === 'artifact' ? { digest: i.output.digest } : i.output } : i));
  return createHash('sha256')
    .update(canonical({ pipeline: pipelineName, step: step.name, command: step.command, env: step.env ?? {}, outputs: step.outputs ?? [], params, inputs: identity }))
    .digest('hex');
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

/** Stores every file under `dir` at `prefix/…`; the digest covers each file's relative path and content. */
export async function uploadTree(store: ArtifactStore, dir: string, prefix: string): Promise<{ files: number; bytes: number; digest: string }> {
  const entries: { rel: string; sha: string; size: number }[] = [];
  for await (const file of walk(dir)) {
    const rel = relative(dir, file).split(sep).join('/');
    const hash = createHash('sha256');
    await pipe(createReadStream(file), hash);
    const { size } = await store.put(`${prefix}/${rel}`, createReadStream(file));
    entries.push({ rel, sha: hash.digest('hex'), size });
  }
  entries.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const digest = createHash('sha256').update(entries.map((e) => `${e.rel}\0${e.sha}`).join('\n')).digest('hex');
  return { files: entries.length, bytes: entries.reduce((s, e) => s + e.size, 0), digest };
}

/** Copies everything the artifact store holds under `prefix` into `dir`. */
export async function downloadTree(store: ArtifactStore, prefix: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const e of await store.list(prefix)) {
    const rel = e.path.slice(prefix.length + 1);
    if (e.isDir) {
      await downloadTree(store, e.path, join(dir, rel));
      continue;
    }
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true });
    const { stream } = await store.get(e.path);
    await pipe(stream, createWriteStream(target));
  }
}

/** The folders a step writes its artifact outputs to, and reads its upstream artifacts from, under its attempt's work folder. */
export async function prepareIo(work: string, step: StepDefinition, inputs: readonly ResolvedInput[], store: ArtifactStore | undefined): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const o of step.outputs ?? []) {
    if (o.kind !== 'artifact') continue;
    const d = join(work, 'out', o.name);
    await mkdir(d, { recursive: true });
    env[ioEnvName('OUTPUT', o.name)] = d;
  }
  for (const i of inputs) {
    if ('from' in i) {
      if (i.output.kind === 'artifact') {
        if (!store) throw new Error(`input ${i.from}: this executor has no artifact store`);
        const d = join(work, 'in', i.from);
        await downloadTree(store, i.output.path, d);
        env[ioEnvName('INPUT', i.from)] = d;
      } else if (i.output.kind === 'metric') env[ioEnvName('INPUT', i.from)] = String(i.output.value ?? '');
      else env[ioEnvName('INPUT', i.from)] = i.output.versions.map((v) => `${v.name}/${v.version}`).join(',');
    } else if ('dataset' in i) env[ioEnvName('DATASET', i.dataset)] = `${i.dataset}@${i.version}`;
  }
  return env;
}

/** Whether a path exists (a folder the step was given may have been removed by it). */
export const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);
