/** Pipelines as code (issue 7): DAGs of steps, validated definitions, runs, and the local executor. */
export type * from './pipeline.model.js';
export { paramEnvName, upstreamOf } from './pipeline.model.js';
export { pipeline, PipelineBuilder } from './pipeline.builder.js';
export { validatePipeline, resolveParams, findCycle, PIPELINE_LIMITS } from './pipeline.validation.js';
export { PipelinesRepository } from './pipelines.repository.js';
export { PipelinesService } from './pipelines.service.js';
export type { PipelinesDeps, PipelineView, PipelineRunView, StepRunView } from './pipelines.service.js';
export { pipelinesMigrations } from './pipelines.migrations.js';
export { pipelinesRoutes } from './pipelines.routes.js';
export { LocalExecutor } from './local-executor.js';
export type { StepExecutor, LocalExecutorOptions } from './local-executor.js';
