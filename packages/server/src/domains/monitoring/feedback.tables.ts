/** Row shape of `feedback_events` (feedback.migrations.ts). */
export interface FeedbackRow {
  inference_id: string;
  /** The business metric: `revenue`, `click`… */
  name: string;
  value: number;
  /** ms since epoch: when the outcome happened (the sender's timestamp, else received_at). */
  ts: number;
  received_at: number;
  updated_at: number;
  /** 1 when first stored; +1 per correction. */
  revision: number;
}

export interface FeedbackTables {
  feedback_events: FeedbackRow;
}
