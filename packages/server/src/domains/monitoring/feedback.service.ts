import { isUniqueViolation } from '../../store/index.js';
import type { Clock } from '../../lib/clock.js';
import { FeedbackChangedError, FeedbackRepository, feedbackKey } from './feedback.repository.js';
import type { FeedbackRow } from './feedback.tables.js';
import type { FeedbackInput } from './feedback.validation.js';

/** What one ingest did. inserted + duplicates + corrected = received. */
export interface FeedbackIngestResult {
  received: number;
  inserted: number;
  /** Same (inference id, name) with the value already stored: nothing changed. */
  duplicates: number;
  /** Same (inference id, name) with another value: it replaced the stored one. */
  corrected: number;
}

/** Attempts of an ingest that collided with a concurrent one on the same keys. */
const INGEST_ATTEMPTS = 4;

/**
 * Business feedback (revenue, clicks…) per prediction. One current value per (inference id,
 * name): re-sending is safe, a different value is a correction (last write wins by arrival, as
 * for actuals). Events are stored whether or not their prediction is logged yet.
 */
export class FeedbackService {
  constructor(private readonly deps: { repo: FeedbackRepository; clock: Clock }) {}

  /** Stores a checked batch in one transaction (all or nothing); items apply in order. */
  async ingest(items: readonly FeedbackInput[]): Promise<FeedbackIngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const counts = await this.deps.repo.transaction((repo) => this.apply(repo, items));
        return { received: items.length, ...counts };
      } catch (e) {
        // A concurrent batch wrote one of these keys between our read and our write: re-read and
        // re-apply, which is safe because the outcome depends only on the stored state.
        if (attempt >= INGEST_ATTEMPTS || !(e instanceof FeedbackChangedError || isUniqueViolation(e))) throw e;
      }
    }
  }

  private async apply(repo: FeedbackRepository, items: readonly FeedbackInput[]) {
    const now = this.deps.clock.now();
    const state = await repo.getMany(items);
    const inserts = new Map<string, FeedbackRow>();
    const updates = new Map<string, { row: FeedbackRow; previousRevision: number }>();
    let inserted = 0;
    let duplicates = 0;
    let corrected = 0;
    for (const item of items) {
      const key = feedbackKey(item.inferenceId, item.name);
      const cur = state.get(key);
      if (!cur) {
        const row: FeedbackRow = { inference_id: item.inferenceId, name: item.name, value: item.value, ts: item.timestamp ?? now, received_at: now, updated_at: now, revision: 1 };
        state.set(key, row);
        inserts.set(key, row);
        inserted++;
      } else if (cur.value === item.value) {
        duplicates++;
      } else {
        // Without a new timestamp the outcome time stands: the value was fixed, not re-observed.
        const row: FeedbackRow = { ...cur, value: item.value, ts: item.timestamp ?? cur.ts, updated_at: now, revision: cur.revision + 1 };
        state.set(key, row);
        if (inserts.has(key)) inserts.set(key, row);
        else updates.set(key, { row, previousRevision: updates.get(key)?.previousRevision ?? cur.revision });
        corrected++;
      }
    }
    await repo.insertMany([...inserts.values()]);
    await repo.updateMany([...updates.values()]);
    return { inserted, duplicates, corrected };
  }
}
