/** Model serving: deployments (revisioned variant configs over registry versions) and the inference gateway (OIP v2, MLflow scoring). */
export { DeploymentsService, validateConfig, VARIANT_HEADER, INFERENCE_ID_HEADER, DEFAULT_ROUTING_KEY_HEADER } from './deployments.service.js';
export type { Deployment, DeploymentConfig, VariantConfig, OnnxVariantConfig, HttpVariantConfig, LiveVariant, DeploymentsDeps, ModelVersionSource, RoutingTable } from './deployments.service.js';
export { ServingRepository } from './serving.repository.js';
export { servingMigrations } from './serving.migrations.js';
export { servingRoutes } from './serving.routes.js';
export { OnnxModelRuntime } from './onnx-runtime.js';
export type { ModelRuntime } from './model-runtime.js';
export { GroupCommitPredictionLog, payloadJson, MAX_ENTRY_JSON } from './prediction-log.js';
export type { PredictionLog, PredictionEntry, PredictionLogStats, Durability } from './prediction-log.js';
export { PredictionsRepository } from './predictions.repository.js';
export type { PredictionsDeps } from './serving.routes.js';
export type { ServingRoutesDeps } from './serving.routes.js';
export type { ServingObserver } from './observer.js';
export { ShadowMirror, DEFAULT_SHADOW_CONCURRENCY, DEFAULT_SHADOW_MAX_QUEUE } from './shadow.js';
export type { ShadowOptions, ShadowCounts } from './shadow.js';
export { ShadowRepository } from './shadow.repository.js';
export { HttpModelRuntime, UpstreamError, DEFAULT_HTTP_TIMEOUT_MS } from './http-runtime.js';
export type { HttpEndpoint } from './http-runtime.js';
