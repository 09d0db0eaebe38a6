import { DomainError, type Run } from '@flywheel/contract';

/**
 * Lineage owns no tables: the graph dataset version → run → model version → deployment is read
 * from the domains that own each relation. It depends on them through these narrow ports, wired
 * in main.ts, so any of them can change its storage without lineage noticing.
 */
export interface LineageRuns {
  getRun(runId: string): Promise<Run>;
  runsUsingDatasets(match: { digests: string[]; sources: string[] }): Promise<{ run: Run['info']; dataset: { name: string; digest: string; source: string } }[]>;
}

export interface LineageModelVersion {
  name: string;
  version: string;
  runId: string | undefined;
  source: string | undefined;
  currentStage: string;
  aliases: string[];
}

export interface LineageModels {
  getModelVersion(name: string, version: string): Promise<LineageModelVersion>;
  modelVersionsOfRuns(runIds: string[]): Promise<LineageModelVersion[]>;
}

export interface LineageDatasetVersion {
  name: string;
  version: number;
  contentHash: string | null;
  sourceUri: string | null;
}

export interface LineageDatasets {
  getVersion(name: string, version: string): Promise<LineageDatasetVersion>;
  /** Registered versions that a run's MLflow dataset input refers to (by digest or source). */
  versionsForInputs(inputs: { digest: string; source: string }[]): Promise<LineageDatasetVersion[]>;
}

/** Which deployments serve model versions (read from serving). */
export interface LineageDeployments {
  /** The variants, across every deployment, that serve one of `versions`. */
  servingVersions(versions: { name: string; version: string }[]): Promise<LineageServingVariant[]>;
  /** A deployment's variants (NOT_FOUND when there is none). */
  variantsOf(deployment: string): Promise<LineageServingVariant[]>;
}

export interface LineageServingVariant {
  deployment: string;
  variant: string;
  role: string;
  weight: number;
  model: { name: string; version: string } | null;
}

export type NodeKind = 'dataset_version' | 'dataset_input' | 'run' | 'model_version' | 'deployment';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  label: string;
  attributes: Record<string, string | number | null>;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** What the `to` node did with the `from` node. */
  relation: 'trained_on' | 'produced' | 'registered_from' | 'deployed_as';
}

export interface LineageGraph {
  root: string;
  direction: 'upstream' | 'downstream';
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export type LineageRef =
  | { kind: 'model_version'; name: string; version: string }
  | { kind: 'dataset_version'; name: string; version: string }
  | { kind: 'run'; runId: string }
  | { kind: 'deployment'; name: string };

/**
 * The digests a Flywheel dataset version is known by in MLflow inputs: MLflow caps a digest at
 * 36 characters, so clients that log a registered version use the first 36 (or 8) hex digits of
 * its SHA-256, or its `flywheel-datasets:/<name>/<version>` URI as the source.
 */
export function datasetVersionKeys(v: LineageDatasetVersion): { digests: string[]; sources: string[] } {
  const digests = v.contentHash ? [...new Set([v.contentHash, v.contentHash.slice(0, 36), v.contentHash.slice(0, 8)])] : [];
  const sources = [`flywheel-datasets:/${v.name}/${v.version}`, ...(v.sourceUri ? [v.sourceUri] : [])];
  return { digests, sources };
}

const nodeId = {
  model: (name: string, version: string) => `model_version:${name}/${version}`,
  dataset: (name: string, version: number | string) => `dataset_version:${name}/${version}`,
  run: (id: string) => `run:${id}`,
  input: (name: string, digest: string) => `dataset_input:${name}@${digest}`,
  deployment: (name: string) => `deployment:${name}`,
};

/** Parses `model:churn/3`, `dataset:sales/2` (or `latest`), `run:<id>` as the CLI and API accept them. */
export function parseLineageRef(ref: string): LineageRef {
  const m = /^(model|dataset|run|deployment):(.+)$/.exec(ref.trim());
  if (!m) throw new DomainError('INVALID_INPUT', `Invalid lineage reference '${ref}': expected model:<name>/<version>, dataset:<name>/<version>, run:<run id> or deployment:<name>.`);
  const [, kind, rest] = m as unknown as [string, string, string];
  if (kind === 'run') return { kind: 'run', runId: rest };
  if (kind === 'deployment') return { kind: 'deployment', name: rest };
  const slash = rest.lastIndexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw new DomainError('INVALID_INPUT', `Invalid lineage reference '${ref}': expected ${kind}:<name>/<version>.`);
  }
  const name = rest.slice(0, slash);
  const version = rest.slice(slash + 1);
  return kind === 'model' ? { kind: 'model_version', name, version } : { kind: 'dataset_version', name, version };
}

/**
 * Answers "where did this come from?" (upstream) and "what does this feed?" (downstream) over
 * datasets, runs, model versions and the deployments serving them.
 */
export class LineageService {
  constructor(private readonly deps: { runs: LineageRuns; models: LineageModels; datasets: LineageDatasets; deployments?: LineageDeployments }) {}

  async graph(ref: LineageRef, direction: 'upstream' | 'downstream'): Promise<LineageGraph> {
    const g = new GraphBuilder();
    let root: string;
    if (ref.kind === 'model_version') {
      const mv = await this.deps.models.getModelVersion(ref.name, ref.version);
      root = g.model(mv);
      if (direction === 'upstream' && mv.runId) {
        const run = await this.deps.runs.getRun(mv.runId).catch(() => undefined);
        if (run) {
          g.edge(g.run(run.info, run), root, 'registered_from');
          await this.runInputs(g, run);
        }
      }
      if (direction === 'downstream') await this.deploymentsOf(g, [mv]);
    } else if (ref.kind === 'deployment') {
      if (!this.deps.deployments) throw new DomainError('NOT_FOUND', `Deployment '${ref.name}' not found.`);
      const variants = await this.deps.deployments.variantsOf(ref.name);
      root = g.add({ id: nodeId.deployment(ref.name), kind: 'deployment', label: ref.name, attributes: { variants: variants.length } });
      if (direction === 'upstream') {
        for (const v of variants) {
          if (!v.model) continue;
          const mv = await this.deps.models.getModelVersion(v.model.name, v.model.version).catch(() => undefined);
          if (!mv) continue;
          const node = g.model(mv);
          g.edge(node, root, 'deployed_as');
          const run = mv.runId ? await this.deps.runs.getRun(mv.runId).catch(() => undefined) : undefined;
          if (run) {
            g.edge(g.run(run.info, run), node, 'registered_from');
            await this.runInputs(g, run);
          }
        }
      }
    } else if (ref.kind === 'dataset_version') {
      const dv = await this.deps.datasets.getVersion(ref.name, ref.version);
      root = g.dataset(dv);
      if (direction === 'downstream') {
        const uses = await this.deps.runs.runsUsingDatasets(datasetVersionKeys(dv));
        for (const u of uses) g.edge(root, g.run(u.run), 'trained_on');
        await this.runOutputs(g, uses.map((u) => u.run.runId));
      }
    } else {
      const run = await this.deps.runs.getRun(ref.runId);
      root = g.run(run.info, run);
      if (direction === 'upstream') await this.runInputs(g, run);
      else await this.runOutputs(g, [run.info.runId]);
    }
    return { root, direction, ...g.build() };
  }

  private async runInputs(g: GraphBuilder, run: Run): Promise<void> {
    const runNode = nodeId.run(run.info.runId);
    const inputs = run.inputs.datasetInputs.map((i) => i.dataset);
    const registered = await this.deps.datasets.versionsForInputs(inputs.map((d) => ({ digest: d.digest, source: d.source })));
    const matched = new Set<string>();
    for (const dv of registered) {
      const keys = datasetVersionKeys(dv);
      const input = inputs.find((d) => keys.digests.includes(d.digest) || keys.sources.includes(d.source));
      if (input) matched.add(`${input.name}@${input.digest}`);
      g.edge(g.dataset(dv), runNode, 'trained_on');
    }
    // Inputs that no registered version accounts for still show, as what MLflow recorded.
    for (const d of inputs) {
      if (matched.has(`${d.name}@${d.digest}`)) continue;
      const id = g.add({ id: nodeId.input(d.name, d.digest), kind: 'dataset_input', label: `${d.name} (${d.digest})`, attributes: { source: d.source, sourceType: d.sourceType } });
      g.edge(id, runNode, 'trained_on');
    }
  }

  private async runOutputs(g: GraphBuilder, runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const versions = await this.deps.models.modelVersionsOfRuns(runIds);
    for (const mv of versions) g.edge(nodeId.run(mv.runId!), g.model(mv), 'registered_from');
    await this.deploymentsOf(g, versions);
  }

  /** Downstream of model versions: the deployments whose variants serve them. */
  private async deploymentsOf(g: GraphBuilder, versions: LineageModelVersion[]): Promise<void> {
    if (!this.deps.deployments || versions.length === 0) return;
    for (const v of await this.deps.deployments.servingVersions(versions.map((x) => ({ name: x.name, version: x.version })))) {
      const id = g.add({ id: nodeId.deployment(v.deployment), kind: 'deployment', label: v.deployment, attributes: {} });
      g.edge(nodeId.model(v.model!.name, v.model!.version), id, 'deployed_as');
    }
  }
}

class GraphBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();

  add(n: LineageNode): string {
    if (!this.nodes.has(n.id)) this.nodes.set(n.id, n);
    return n.id;
  }

  edge(from: string, to: string, relation: LineageEdge['relation']): void {
    this.edges.set(`${from}>${to}`, { from, to, relation });
  }

  model(mv: LineageModelVersion): string {
    return this.add({
      id: nodeId.model(mv.name, mv.version),
      kind: 'model_version',
      label: `${mv.name} v${mv.version}`,
      attributes: { stage: mv.currentStage, aliases: mv.aliases.join(',') || null, source: mv.source ?? null, runId: mv.runId ?? null },
    });
  }

  dataset(dv: LineageDatasetVersion): string {
    return this.add({
      id: nodeId.dataset(dv.name, dv.version),
      kind: 'dataset_version',
      label: `${dv.name} v${dv.version}`,
      attributes: { contentHash: dv.contentHash, sourceUri: dv.sourceUri },
    });
  }

  run(info: Run['info'], full?: Run): string {
    const tag = (k: string) => full?.data.tags.find((t) => t.key === k)?.value ?? null;
    return this.add({
      id: nodeId.run(info.runId),
      kind: 'run',
      label: info.runName,
      attributes: {
        experimentId: info.experimentId,
        status: info.status,
        user: info.userId || null,
        ...(full ? { gitCommit: tag('mlflow.source.git.commit'), sourceName: tag('mlflow.source.name') } : {}),
      },
    });
  }

  build(): { nodes: LineageNode[]; edges: LineageEdge[] } {
    return { nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
  }
}
