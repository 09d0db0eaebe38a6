/** Monitoring: ground truth (actuals) keyed by inference id, joined with serving's prediction log for quality computations. */
export { ActualsService, DEFAULT_SUMMARY_WINDOW_MS } from './actuals.service.js';
export type { ActualsDeps, Actual, ActualsSummary, IngestResult, JoinedRow, JoinQuery, JoinCursor, LoggedTensor, MatchCounts } from './actuals.service.js';
export { ActualsRepository } from './actuals.repository.js';
export { monitoringMigrations } from './monitoring.migrations.js';
export { monitoringRoutes } from './monitoring.routes.js';
export { PredictionsTableSource } from './prediction-source.js';
export type { PredictionSource, PredictionRecord, PredictionPageQuery } from './prediction-source.js';
export { ACTUALS_LIMITS, validateActualsBody, parseActualsCsv } from './actuals.validation.js';
export type { ActualInput, ActualValue, ActualScalar } from './actuals.validation.js';
/** The statistics of drift, quality, performance estimation and fairness (pure; no store). */
export * from './stats/index.js';
/** Monitors: definitions, window evaluation into reports and MetricPoints, the scheduler, the report builder. */
export { MonitorsService, reportPoints } from './monitors.service.js';
export type { Monitor, MonitorEvaluation, MonitorsDeps, DatasetFiles, DeploymentLookup } from './monitors.service.js';
export { MonitorsRepository } from './monitors.repository.js';
export { MonitorScheduler } from './monitor-scheduler.js';
export type { MonitorSchedulerOptions, MonitorSchedulerDeps } from './monitor-scheduler.js';
export { monitorsRoutes } from './monitors.routes.js';
export { validateMonitorConfig, parseWindow, type MonitorConfig, type MonitorReference, type OutputRef } from './monitors.validation.js';
export { ColumnBuilder, ROLE_COLUMNS } from './monitor-columns.js';
export * from './report/index.js';
export type { MetricPoint, MetricQuery, MetricReader } from './metric-points.js';
