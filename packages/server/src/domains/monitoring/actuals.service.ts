import { DomainError } from '@flywheel/contract';
import { isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import { ActualsRepository, ConcurrentChangeError, type ActualUpdate } from './actuals.repository.js';
import type { ActualRevisionRow, ActualRow } from './actuals.tables.js';
import type { ActualInput, ActualValue } from './actuals.validation.js';
import type { PredictionRecord, PredictionSource } from './prediction-source.js';

export interface ActualsDeps {
  repo: ActualsRepository;
  predictions: PredictionSource;
  clock: Clock;
}

/** What one ingest did. inserted + duplicates + corrected = matched + unmatched = received. */
export interface IngestResult {
  received: number;
  /** New inference ids. */
  inserted: number;
  /** Re-sent with the value already stored: nothing changed. */
  duplicates: number;
  /** Re-sent with a different value: the new value is current, the old one kept as history. */
  corrected: number;
  /** Items whose inference id has an answered prediction in the log now. */
  matched: number;
  /** Items whose prediction is not (yet) in the log: stored all the same. */
  unmatched: number;
}

export interface Actual {
  inferenceId: string;
  deployment: string | null;
  value: ActualValue;
  /** ms since epoch: when the outcome happened. */
  timestamp: number;
  receivedAt: number;
  updatedAt: number;
  revision: number;
  /** True when an answered prediction with this inference id is in the log. */
  matched: boolean;
  /** Values that corrections replaced, oldest first. */
  history: { revision: number; value: ActualValue; timestamp: number; replacedAt: number }[];
}

export interface MatchCounts {
  predictions: number;
  withActuals: number;
  /** withActuals / predictions; null without predictions. */
  matchRate: number | null;
}

export interface ActualsSummary extends MatchCounts {
  deployment: string;
  since: number;
  until: number;
  /** Actuals named for this deployment, outcome time in the window, with no prediction logged. */
  unmatchedActuals: number;
  /** Actuals that named no deployment, outcome time in the window, with no prediction logged anywhere. */
  unmatchedUntagged: number;
  variants: (MatchCounts & { variant: string })[];
}

/** A logged tensor as the prediction log stores it (int64 as strings). */
export interface LoggedTensor {
  type: string;
  shape: number[];
  data: unknown[];
}

/** A prediction with its actual: what quality computations consume. */
export interface JoinedRow {
  inferenceId: string;
  variant: string;
  modelName: string;
  modelVersion: string;
  /** ms since epoch: when the prediction was made. */
  ts: number;
  /** null when the log truncated a payload over its size cap. */
  outputs: Record<string, LoggedTensor> | null;
  /** Only when asked for (`inputs: true`); null when truncated. */
  inputs?: Record<string, LoggedTensor> | null;
  /** undefined only with `includeUnlabeled`, for a prediction with no actual yet. */
  actual?: { value: ActualValue; timestamp: number; revision: number };
}

export interface JoinQuery {
  since?: number | undefined;
  until?: number | undefined;
  variant?: string | undefined;
  /** Also return predictions without an actual (for estimates before labels arrive). */
  includeUnlabeled?: boolean;
  inputs?: boolean;
  /** Predictions read per page (the page returns those of them with actuals). Default 5000. */
  pageSize?: number;
}

export type JoinCursor = { ts: number; id: number };

/** Attempts of an ingest that collided with a concurrent one (same new id, same correction). */
const INGEST_ATTEMPTS = 4;
/** Predictions per page when counting the summary (keys only, so pages can be large). */
const SUMMARY_PAGE = 10_000;
/** Matched ids a summary remembers to skip re-checking them (~100 bytes each). */
const MATCHED_MEMORY = 2_000_000;
export const DEFAULT_SUMMARY_WINDOW_MS = 24 * 3600 * 1000;

const TRUNCATED_KEY = '$truncated';

/**
 * Ground truth. Actuals are keyed by inference id and stored whether or not their prediction is
 * logged yet; they join the prediction log at read time, so an actual that arrives before its
 * prediction (or weeks after) counts as soon as both exist.
 */
export class ActualsService {
  constructor(private readonly deps: ActualsDeps) {}

  /**
   * Stores a checked batch in one transaction (all or nothing). Re-sending a value changes
   * nothing; a different value for a known id is a correction: it becomes current (last write
   * wins, by arrival), the old value goes to history and `revision` grows. Items are applied in
   * order, so a batch may carry an id twice (the later one corrects the earlier).
   *
   * @example
   *   await actuals.ingest([{ inferenceId: 'a1', value: 1 }, { inferenceId: 'a2', value: 'spam', timestamp: 1763900000000 }]);
   */
  async ingest(items: readonly ActualInput[]): Promise<IngestResult> {
    const ids = [...new Set(items.map((i) => i.inferenceId))];
    // Which ids have a prediction does not depend on this write: on PostgreSQL the lookup runs on
    // another connection while the batch is written.
    const [counts, found] = await Promise.all([this.write(items), this.deps.predictions.existing(ids)]);
    const matched = items.reduce((n, i) => n + (found.has(i.inferenceId) ? 1 : 0), 0);
    return { received: items.length, ...counts, matched, unmatched: items.length - matched };
  }

  private async write(items: readonly ActualInput[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.repo.transaction((repo) => this.apply(repo, items));
      } catch (e) {
        // A concurrent batch wrote one of these ids between our read and our write: the whole
        // batch is re-read and re-applied, which is safe because the outcome depends only on state.
        if (attempt >= INGEST_ATTEMPTS || !(e instanceof ConcurrentChangeError || isUniqueViolation(e))) throw e;
      }
    }
  }

  private async apply(repo: ActualsRepository, items: readonly ActualInput[]) {
    const now = this.deps.clock.now();
    const state = await repo.getMany([...new Set(items.map((i) => i.inferenceId))]);
    const inserts = new Map<string, ActualRow>();
    const updates = new Map<string, ActualUpdate>();
    const revisions: ActualRevisionRow[] = [];
    let inserted = 0;
    let duplicates = 0;
    let corrected = 0;
    for (const item of items) {
      const id = item.inferenceId;
      const value = JSON.stringify(item.value);
      const cur = state.get(id);
      if (!cur) {
        const row: ActualRow = { inference_id: id, deployment: item.deployment ?? null, value, ts: item.timestamp ?? now, received_at: now, updated_at: now, revision: 1 };
        state.set(id, row);
        inserts.set(id, row);
        inserted++;
      } else if (cur.value === value) {
        duplicates++;
      } else {
        revisions.push({ inference_id: id, revision: cur.revision, value: cur.value, ts: cur.ts, replaced_at: now });
        // Without a new timestamp the outcome time stands: the label was fixed, not re-observed.
        const row: ActualRow = { ...cur, value, ts: item.timestamp ?? cur.ts, deployment: item.deployment ?? cur.deployment, updated_at: now, revision: cur.revision + 1 };
        state.set(id, row);
        if (inserts.has(id)) inserts.set(id, row);
        else updates.set(id, { row, previousRevision: updates.get(id)?.previousRevision ?? cur.revision });
        corrected++;
      }
    }
    await repo.insertMany([...inserts.values()]);
    await repo.updateMany([...updates.values()]);
    await repo.insertRevisions(revisions);
    return { inserted, duplicates, corrected };
  }

  /** One actual with its history and whether its prediction is logged. */
  async get(inferenceId: string): Promise<Actual> {
    const row = await this.deps.repo.get(inferenceId);
    if (!row) throw new DomainError('NOT_FOUND', `No actual for inference id '${inferenceId}'.`);
    const [history, found] = await Promise.all([this.deps.repo.history(inferenceId), this.deps.predictions.existing([inferenceId])]);
    return {
      inferenceId: row.inference_id,
      deployment: row.deployment,
      value: JSON.parse(row.value) as ActualValue,
      timestamp: row.ts,
      receivedAt: row.received_at,
      updatedAt: row.updated_at,
      revision: row.revision,
      matched: found.has(inferenceId),
      history: history.map((h) => ({ revision: h.revision, value: JSON.parse(h.value) as ActualValue, timestamp: h.ts, replacedAt: h.replaced_at })),
    };
  }

  /**
   * How much of a deployment's traffic in [since, until) has ground truth, overall and per
   * variant, and how many actuals wait for a prediction. Default window: the 24 h before `until`
   * (default now).
   */
  async summary(deployment: string, window: { since?: number | undefined; until?: number | undefined } = {}): Promise<ActualsSummary> {
    const until = window.until ?? this.deps.clock.now();
    const since = window.since ?? Math.max(0, until - DEFAULT_SUMMARY_WINDOW_MS);
    if (since > until) throw new DomainError('INVALID_INPUT', `since (${since}) is after until (${until})`);
    const perVariant = new Map<string, { predictions: number; withActuals: number }>();
    // Ids already seen matched here need no second lookup when counting unmatched actuals
    // (most of a window's actuals belong to its own predictions); bounded to cap memory.
    const seenMatched = new Set<string>();
    let after: JoinCursor | undefined;
    for (;;) {
      const page = await this.deps.predictions.page(deployment, { since, until, after, limit: SUMMARY_PAGE, columns: 'keys' });
      if (page.length === 0) break;
      const labeled = await this.deps.repo.existing(page.map((p) => p.inferenceId));
      for (const p of page) {
        const v = perVariant.get(p.variant) ?? { predictions: 0, withActuals: 0 };
        v.predictions++;
        if (labeled.has(p.inferenceId)) {
          v.withActuals++;
          if (seenMatched.size < MATCHED_MEMORY) seenMatched.add(p.inferenceId);
        }
        perVariant.set(p.variant, v);
      }
      if (page.length < SUMMARY_PAGE) break;
      after = cursorOf(page[page.length - 1]!);
    }
    const unmatched = async (dep: string | null) => {
      const ids = (await this.deps.repo.idsInWindow(dep, since, until)).filter((id) => !seenMatched.has(id));
      return ids.length - (await this.deps.predictions.existing(ids)).size;
    };
    const [unmatchedActuals, unmatchedUntagged] = await Promise.all([unmatched(deployment), unmatched(null)]);
    const variants = [...perVariant.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([variant, c]) => ({ variant, ...withRate(c) }));
    const total = variants.reduce((t, v) => ({ predictions: t.predictions + v.predictions, withActuals: t.withActuals + v.withActuals }), { predictions: 0, withActuals: 0 });
    return { deployment, since, until, ...withRate(total), unmatchedActuals, unmatchedUntagged, variants };
  }

  /**
   * One page of a deployment's predictions in the window joined with their actuals, oldest
   * first: reads up to `pageSize` predictions after `after` and returns those with an actual
   * (all of them with `includeUnlabeled`). `next` is absent once the window is exhausted.
   */
  async joinedPage(deployment: string, q: JoinQuery & { after?: JoinCursor | undefined }): Promise<{ rows: JoinedRow[]; next?: JoinCursor }> {
    const limit = Math.max(1, Math.floor(q.pageSize ?? 5000));
    const page = await this.deps.predictions.page(deployment, { since: q.since, until: q.until, variant: q.variant, after: q.after, limit, columns: q.inputs ? 'all' : 'outputs' });
    const actuals = await this.deps.repo.getMany([...new Set(page.map((p) => p.inferenceId))]);
    const rows: JoinedRow[] = [];
    for (const p of page) {
      const a = actuals.get(p.inferenceId);
      if (!a && !q.includeUnlabeled) continue;
      const row: JoinedRow = { inferenceId: p.inferenceId, variant: p.variant, modelName: p.modelName, modelVersion: p.modelVersion, ts: p.ts, outputs: tensors(p.outputs) };
      if (q.inputs) row.inputs = tensors(p.inputs);
      if (a) row.actual = { value: JSON.parse(a.value) as ActualValue, timestamp: a.ts, revision: a.revision };
      rows.push(row);
    }
    return page.length === limit ? { rows, next: cursorOf(page[page.length - 1]!) } : { rows };
  }

  /**
   * Every joined row of the window, page by page (memory bounded by the page size).
   *
   * @example
   *   for await (const rows of actuals.joined('churn', { since, until, variant: 'b' })) update(rows);
   */
  async *joined(deployment: string, q: JoinQuery = {}): AsyncGenerator<JoinedRow[]> {
    let after: JoinCursor | undefined;
    for (;;) {
      const { rows, next } = await this.joinedPage(deployment, { ...q, after });
      if (rows.length > 0) yield rows;
      if (!next) return;
      after = next;
    }
  }
}

const cursorOf = (p: PredictionRecord): JoinCursor => ({ ts: p.ts, id: p.id });

function withRate(c: { predictions: number; withActuals: number }): MatchCounts {
  return { predictions: c.predictions, withActuals: c.withActuals, matchRate: c.predictions === 0 ? null : c.withActuals / c.predictions };
}

function tensors(json: string | undefined): Record<string, LoggedTensor> | null {
  if (json === undefined) return null;
  const parsed = JSON.parse(json) as Record<string, LoggedTensor> | null;
  return parsed === null || TRUNCATED_KEY in parsed ? null : parsed;
}
