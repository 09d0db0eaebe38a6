/** Row shapes of the tables monitoring owns (see monitoring.migrations.ts). */
export interface ActualRow {
  inference_id: string;
  /** The deployment the sender named, when it named one (lets unmatched actuals be attributed). */
  deployment: string | null;
  /** JSON text of the outcome: a label string, a number, a boolean, or an array of those. */
  value: string;
  /** ms since epoch: when the outcome happened (the sender's timestamp, else received_at). */
  ts: number;
  /** ms since epoch: first receipt. */
  received_at: number;
  /** ms since epoch: last change (= received_at until corrected). */
  updated_at: number;
  /** 1 when first stored; +1 per correction. */
  revision: number;
}

/** A value an actual held before a correction replaced it. */
export interface ActualRevisionRow {
  inference_id: string;
  revision: number;
  value: string;
  ts: number;
  /** When this value stopped being current. */
  replaced_at: number;
}

export interface MonitoringTables {
  actuals: ActualRow;
  actual_revisions: ActualRevisionRow;
}
