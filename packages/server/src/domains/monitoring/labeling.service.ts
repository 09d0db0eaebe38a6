import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { ActualsService } from './actuals.service.js';
import { checkActual, type ActualValue } from './actuals.validation.js';
import type { PredictionRecord, PredictionSource } from './prediction-source.js';
import { confidence, randomPriority, validateLabelingPolicy, type LabelingPolicy } from './labeling-policy.js';
import type { ItemRow, LabelingRepository } from './labeling.repository.js';

export interface LabelingItem {
  id: number;
  deployment: string;
  inferenceId: string;
  variant: string;
  predictionTs: number;
  /** The sampling key: the confidence (least_confident) or the random draw; lower is reviewed first. */
  priority: number;
  state: 'pending' | 'claimed' | 'labeled' | 'skipped';
  claimedBy: string | null;
  leaseUntil: number | null;
  inputs: unknown;
  outputs: unknown;
  label: ActualValue | null;
  reviewer: string | null;
  reason: string | null;
  createdAt: number;
  doneAt: number | null;
}

export interface SampleResult {
  deployment: string;
  since: number;
  until: number;
  /** Answered predictions read in the window. */
  scanned: number;
  /** Predictions without a readable score (least_confident only): never queued. */
  unscorable: number;
  /** Chosen by the policy, per variant (or `*` without stratification). */
  selected: Record<string, number>;
  /** Newly queued (chosen ones already in the queue are not counted again). */
  queued: number;
}

export interface QueueStats {
  deployment: string;
  pending: number;
  claimed: number;
  labeled: number;
  skipped: number;
  variants: { variant: string; pending: number; claimed: number; labeled: number; skipped: number }[];
  reviewers: { reviewer: string; labeled: number }[];
}

export interface LabelingDeps {
  repo: LabelingRepository;
  predictions: PredictionSource;
  actuals: ActualsService;
  clock: Clock;
}

const PAGE = 2000;
const DAY = 24 * 3600 * 1000;
/** Stored inputs/outputs per item, so a reviewer sees the prediction; larger ones are cut (the log keeps them). */
const SNAPSHOT_MAX_CHARS = 64 * 1024; // 64 KiB
const invalid = (m: string) => new DomainError('INVALID_INPUT', m);

/**
 * The labeling queue: a per-deployment policy samples logged predictions into a queue, reviewers
 * claim items under a lease and label or skip them, and a label becomes an actual through
 * {@link ActualsService.ingest} (so a re-label is a correction with history).
 */
export class LabelingService {
  constructor(private readonly deps: LabelingDeps) {}

  async putPolicy(deployment: string, body: unknown): Promise<LabelingPolicy> {
    const p = validateLabelingPolicy(body);
    await this.deps.repo.putPolicy(deployment, JSON.stringify(p), this.deps.clock.now());
    return p;
  }

  async policy(deployment: string): Promise<LabelingPolicy & { sampledUntil: number | null }> {
    const row = await this.deps.repo.getPolicy(deployment);
    if (!row) throw new DomainError('NOT_FOUND', `Deployment '${deployment}' has no labeling policy; set one with PUT /api/v1/labeling/${deployment}/policy.`);
    return { ...(JSON.parse(row.definition) as LabelingPolicy), sampledUntil: row.sampled_until };
  }

  /**
   * Samples the predictions of [since, until) into the queue. Defaults: since = where the last run
   * stopped (or a day before until), until = now. Re-sampling a window adds nothing twice.
   */
  async sample(deployment: string, q: { since?: number | undefined; until?: number | undefined } = {}): Promise<SampleResult> {
    const policy = await this.policy(deployment);
    const until = q.until ?? this.deps.clock.now();
    const since = q.since ?? policy.sampledUntil ?? until - DAY;
    if (since >= until) throw invalid(`since must be before until; got since=${since}, until=${until}`);
    const strata = new Map<string, { n: number; best: { priority: number; rec: PredictionRecord }[] }>();
    let scanned = 0;
    let unscorable = 0;
    const cap = policy.maxItemsPerRun;
    let after: { ts: number; id: number } | undefined;
    for (;;) {
      const page = await this.deps.predictions.page(deployment, { since, until, after, limit: PAGE, columns: 'all' });
      for (const rec of page) {
        scanned++;
        const priority = policy.strategy === 'random' ? randomPriority(rec.inferenceId) : confidence(rec.outputs, policy.scoreOutput);
        if (priority === undefined) {
          unscorable++;
          continue;
        }
        const key = policy.stratifyByVariant ? rec.variant : '*';
        let s = strata.get(key);
        if (!s) strata.set(key, (s = { n: 0, best: [] }));
        s.n++;
        s.best.push({ priority, rec });
        // Only the lowest `cap` priorities can ever be chosen: trim now and then to bound memory.
        if (s.best.length >= 2 * cap) s.best = lowest(s.best, cap);
      }
      if (page.length < PAGE) break;
      const last = page[page.length - 1]!;
      after = { ts: last.ts, id: last.id };
    }
    const now = this.deps.clock.now();
    const selected: Record<string, number> = {};
    const rows: Omit<ItemRow, 'id'>[] = [];
    for (const [key, s] of strata) {
      const k = Math.min(Math.ceil(policy.share * s.n), cap);
      const chosen = lowest(s.best, k);
      selected[key] = chosen.length;
      for (const { priority, rec } of chosen) {
        rows.push({
          deployment, inference_id: rec.inferenceId, variant: rec.variant, prediction_ts: rec.ts, priority,
          inputs: snapshot(rec.inputs), outputs: snapshot(rec.outputs), state: 'pending', claimed_by: null, lease_until: null,
          label: null, reviewer: null, reason: null, created_at: now, done_at: null,
        });
      }
    }
    const queued = await this.deps.repo.enqueue(rows);
    if (policy.sampledUntil === null || until > policy.sampledUntil) await this.deps.repo.setSampledUntil(deployment, until);
    return { deployment, since, until, scanned, unscorable, selected, queued };
  }

  /** Claims up to `count` open items for `reviewer`, least confident (or first drawn) first. */
  async next(deployment: string, opts: { count: number; reviewer: string; leaseSeconds?: number | undefined }): Promise<LabelingItem[]> {
    const policy = await this.deps.repo.getPolicy(deployment);
    const leaseSeconds = opts.leaseSeconds ?? (policy ? (JSON.parse(policy.definition) as LabelingPolicy).leaseSeconds : 600);
    const out: LabelingItem[] = [];
    // A candidate taken by a concurrent reviewer is skipped; a few rounds make up for those.
    for (let round = 0; round < 4 && out.length < opts.count; round++) {
      const now = this.deps.clock.now();
      const candidates = await this.deps.repo.claimable(deployment, now, opts.count - out.length);
      if (candidates.length === 0) break;
      for (const c of candidates) {
        if (await this.deps.repo.claim(c.id, opts.reviewer, now, now + leaseSeconds * 1000)) out.push(toItem({ ...c, state: 'claimed', claimed_by: opts.reviewer, lease_until: now + leaseSeconds * 1000 }));
      }
    }
    return out;
  }

  async get(id: number): Promise<LabelingItem> {
    return toItem(await this.item(id));
  }

  /**
   * Labels an item: the label is ingested as the actual of its inference id (tagged with the
   * deployment), then the item is marked labeled. Ingest is idempotent, so if marking fails the
   * reviewer may simply submit again. An item claimed by someone else (lease running) is refused.
   */
  async label(id: number, body: { label?: unknown; reviewer?: unknown }): Promise<LabelingItem> {
    if (body.label === undefined) throw invalid('label is required');
    const reviewer = checkReviewer(body.reviewer);
    let value: ActualValue;
    try {
      value = checkActual({ inferenceId: 'label', value: body.label }, 'item').value;
    } catch (e) {
      throw invalid((e as Error).message.replace(/^item\.value/, 'label'));
    }
    const item = await this.item(id);
    this.checkClaim(item, reviewer);
    await this.deps.actuals.ingest([{ inferenceId: item.inference_id, value, deployment: item.deployment }]);
    await this.deps.repo.finish(id, { state: 'labeled', label: JSON.stringify(value), reviewer, reason: null, done_at: this.deps.clock.now() });
    return this.get(id);
  }

  /** Skips an item (unclear, not decidable): it leaves the queue without an actual. */
  async skip(id: number, body: { reviewer?: unknown; reason?: unknown }): Promise<LabelingItem> {
    const reviewer = checkReviewer(body.reviewer);
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 1000)) throw invalid('reason must be a string of at most 1000 characters');
    const item = await this.item(id);
    if (item.state === 'labeled') throw new DomainError('INVALID_STATE', `Item ${id} is labeled already; label it again to correct it.`);
    this.checkClaim(item, reviewer);
    await this.deps.repo.finish(id, { state: 'skipped', label: null, reviewer, reason: (body.reason as string | undefined) ?? null, done_at: this.deps.clock.now() });
    return this.get(id);
  }

  async stats(deployment: string): Promise<QueueStats> {
    const rows = await this.deps.repo.stats(deployment, this.deps.clock.now());
    const out: QueueStats = { deployment, pending: 0, claimed: 0, labeled: 0, skipped: 0, variants: [], reviewers: [] };
    const byVariant = new Map<string, QueueStats['variants'][number]>();
    for (const r of rows) {
      const st = r.state as 'pending' | 'claimed' | 'labeled' | 'skipped';
      out[st] += r.n;
      let v = byVariant.get(r.variant);
      if (!v) byVariant.set(r.variant, (v = { variant: r.variant, pending: 0, claimed: 0, labeled: 0, skipped: 0 }));
      v[st] += r.n;
    }
    out.variants = [...byVariant.values()].sort((a, b) => a.variant.localeCompare(b.variant));
    out.reviewers = (await this.deps.repo.reviewers(deployment)).map((r) => ({ reviewer: r.reviewer, labeled: r.n }));
    return out;
  }

  private checkClaim(item: ItemRow, reviewer: string): void {
    if (item.state === 'claimed' && item.claimed_by !== reviewer && (item.lease_until ?? 0) > this.deps.clock.now()) {
      throw new DomainError('INVALID_STATE', `Item ${item.id} is claimed by '${item.claimed_by}' until ${new Date(item.lease_until!).toISOString()}.`);
    }
  }

  private async item(id: number): Promise<ItemRow> {
    const r = await this.deps.repo.get(id);
    if (!r) throw new DomainError('NOT_FOUND', `Labeling item ${id} not found.`);
    return r;
  }
}

function checkReviewer(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw invalid('reviewer is required: a name of 1 to 200 characters');
  return v;
}

function lowest<T extends { priority: number; rec: PredictionRecord }>(xs: T[], k: number): T[] {
  return xs.sort((a, b) => a.priority - b.priority || a.rec.ts - b.rec.ts || a.rec.id - b.rec.id).slice(0, k);
}

function snapshot(json: string | undefined): string | null {
  if (json === undefined) return null;
  return json.length <= SNAPSHOT_MAX_CHARS ? json : JSON.stringify({ $truncated: true, chars: json.length });
}

function parse(s: string | null): unknown {
  return s === null ? null : (JSON.parse(s) as unknown);
}

function toItem(r: ItemRow): LabelingItem {
  return {
    id: r.id, deployment: r.deployment, inferenceId: r.inference_id, variant: r.variant, predictionTs: r.prediction_ts, priority: r.priority,
    state: r.state as LabelingItem['state'], claimedBy: r.claimed_by, leaseUntil: r.lease_until, inputs: parse(r.inputs), outputs: parse(r.outputs),
    label: parse(r.label) as ActualValue | null, reviewer: r.reviewer, reason: r.reason, createdAt: r.created_at, doneAt: r.done_at,
  };
}
