// Validation lives in the shared contract (packages/contract/src/pipelines/): the SDK's builder checks a definition as the server does.
export { PIPELINE_LIMITS, findCycle, validatePipeline, resolveParams } from '@flywheel/contract';
export type { StepInput } from '@flywheel/contract';
