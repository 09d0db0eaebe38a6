// The typed builder lives in the shared contract (packages/contract/src/pipelines/), re-exported by the SDK.
export { PipelineBuilder, pipeline } from '@flywheel/contract';
