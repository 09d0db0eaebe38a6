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
export { LocalExecutor, PipelineExecutor } from './local-executor.js';
export type { StepExecutor, LocalExecutorOptions, PipelineExecutorOptions } from './local-executor.js';
export type { JobQueue, StepJob } from './job-queue.js';
export { LocalJobQueue } from './local-job-queue.js';
export { PgBossJobQueue, STEP_QUEUE } from './pgboss-job-queue.js';
export type { PgBossJobQueueOptions } from './pgboss-job-queue.js';
export { StepRunner } from './step-runner.js';
export type { StepRunnerOptions } from './step-runner.js';
