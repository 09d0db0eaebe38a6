// The pipeline model lives in the shared contract (packages/contract/src/pipelines/), where the SDK builds definitions with it.
export { STEP_STATES, RUN_STATES, isTerminalStep, isTerminalRun, upstreamOf, paramEnvName, ioEnvName } from '@flywheel/contract';
export type { ParamType, ParamValue, ParamSpec, StepInput, OutputKind, StepOutput, RetryPolicy, StepDefinition, PipelineDefinition, StepState, RunState, RunCause, ProducedOutput, ResolvedInput } from '@flywheel/contract';
