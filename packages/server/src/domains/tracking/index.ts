/** Experiment tracking: experiments, runs, metrics, params, tags, dataset inputs, search. */
export { TrackingService, DEFAULT_EXPERIMENT_ID } from './tracking.service.js';
export type { MetricInput, Page, MetricWithRunId } from './tracking.service.js';
export { TrackingRepository } from './tracking.repository.js';
export { trackingMigrations } from './tracking.migrations.js';
export { trackingRoutes } from './tracking.routes.js';
