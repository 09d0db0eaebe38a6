/** Row shapes of the monitor tables (monitoring.migrations.ts, 0501). */
export interface MonitorRow {
  id: string;
  deployment: string;
  name: string;
  /** JSON of the validated MonitorConfig. */
  config: string;
  window_ms: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface MonitorWindowRow {
  monitor_id: string;
  window_start: number;
  window_end: number;
  state: 'running' | 'done' | 'failed';
  claimed_by: string;
  claimed_at: number;
  finished_at: number | null;
  error: string | null;
}

export interface MonitorMetricRow {
  monitor_id: string;
  deployment: string;
  metric: string;
  column_name: string | null;
  variant: string | null;
  group_value: string | null;
  window_start: number;
  window_end: number;
  value: number;
  sample_size: number;
  estimated: number;
}

export interface MonitorsTables {
  monitors: MonitorRow;
  monitor_windows: MonitorWindowRow;
  monitor_metrics: MonitorMetricRow;
}
