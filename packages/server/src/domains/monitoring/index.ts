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
/** Alerts over metric points, signed webhooks, actions, and the labeling queue (ALERTS.md). */
export { alertsMigrations } from './alerts.migrations.js';
export { AlertsRepository } from './alerts.repository.js';
export { AlertsService } from './alerts.service.js';
export type { AlertRule, AlertEvent, AlertEventType, AlertState, Evaluation, AlertsDeps } from './alerts.service.js';
export { validateAlertRule, ALERT_DEFAULTS, type AlertRuleSpec } from './alert-rules.js';
export { FunctionAlertAction } from './alert-actions.js';
export type { AlertAction, AlertFiring, AlertActionResult } from './alert-actions.js';
export { AlertScheduler } from './alert-scheduler.js';
export { WebhooksService } from './webhooks.service.js';
export type { Webhook, WebhookDelivery } from './webhooks.service.js';
export { WebhookNotifier, WEBHOOK_RETRY_DEFAULTS, backoffMs } from './webhook-notifier.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, EVENT_HEADER } from './webhook-signature.js';
export { alertsRoutes } from './alerts.routes.js';
export { LabelingRepository } from './labeling.repository.js';
export { LabelingService } from './labeling.service.js';
export type { LabelingItem, QueueStats, SampleResult } from './labeling.service.js';
export { validateLabelingPolicy, type LabelingPolicy } from './labeling-policy.js';
export { labelingRoutes } from './labeling.routes.js';
export { monitorGuardrails, GUARDRAIL_METRICS, type MetricGuardrail } from './monitor-guardrails.js';
/** Feedback events (business metrics per prediction) and A/B analysis of a deployment's variants (ab-testing.md). */
export { feedbackMigrations } from './feedback.migrations.js';
export { FeedbackRepository } from './feedback.repository.js';
export { FeedbackService, type FeedbackIngestResult } from './feedback.service.js';
export { validateFeedbackBody, FEEDBACK_LIMITS, QUALITY_METRICS, type FeedbackInput, type QualityMetric } from './feedback.validation.js';
export { AbService, DEFAULT_AB_WINDOW_MS, type AbDeps, type AbQuery, type AbResult } from './ab.service.js';
export { abRoutes } from './ab.routes.js';
export { AB_DEFAULTS, compareProportions, compareMeans, wilson, newcombeInterval, twoProportionPValue, welch, betainc, tSf, tQuantile, normalQuantile, type AbOptions, type Comparison, type VariantEstimate, type Verdict } from './ab-analysis.js';
