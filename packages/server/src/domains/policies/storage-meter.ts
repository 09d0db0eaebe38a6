import type { ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';

/** Bytes stored per experiment (its runs' artifacts and the models logged in them) and per dataset. */
export interface StorageSnapshot {
  byExperiment: Map<number, number>;
  byDataset: Map<string, number>;
  measuredAt: number;
  files: number;
}

/** Re-measure at most this often (ms): walking a large artifact store is not free. */
export const STORAGE_CACHE_MS = 10 * 60_000; // 10 min

/**
 * Measures what the artifact store holds by walking it: `<experiment id>/…` belongs to that
 * experiment (MLflow's layout, which the registry's versions point into), `datasets/<name>/…` to
 * that dataset. Other folders are not attributed. The last measurement is reused for
 * `cacheMs`; concurrent callers share one walk.
 */
export class StorageMeter {
  private last: StorageSnapshot | undefined;
  private running: Promise<StorageSnapshot> | undefined;

  constructor(private readonly deps: { artifacts: ArtifactStore; clock: Clock; cacheMs?: number }) {}

  async snapshot(): Promise<StorageSnapshot> {
    const fresh = this.last && this.deps.clock.now() - this.last.measuredAt < (this.deps.cacheMs ?? STORAGE_CACHE_MS);
    if (fresh) return this.last!;
    this.running ??= this.measure().finally(() => (this.running = undefined));
    return this.running;
  }

  private async measure(): Promise<StorageSnapshot> {
    const out: StorageSnapshot = { byExperiment: new Map(), byDataset: new Map(), measuredAt: this.deps.clock.now(), files: 0 };
    for (const top of await this.deps.artifacts.list('')) {
      const name = top.path.split('/').pop()!;
      if (/^\d+$/.test(name) && top.isDir) out.byExperiment.set(Number(name), await this.sum(top.path, out));
      else if (name === 'datasets' && top.isDir) {
        for (const d of await this.deps.artifacts.list(top.path)) if (d.isDir) out.byDataset.set(d.path.split('/').pop()!, await this.sum(d.path, out));
      }
    }
    this.last = out;
    return out;
  }

  private async sum(prefix: string, out: StorageSnapshot): Promise<number> {
    let bytes = 0;
    for (const e of await this.deps.artifacts.list(prefix)) {
      if (e.isDir) bytes += await this.sum(e.path, out);
      else {
        bytes += e.fileSize ?? 0;
        out.files++;
      }
    }
    return bytes;
  }
}
