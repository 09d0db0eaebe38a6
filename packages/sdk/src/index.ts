export { FlywheelClient, type InferTensor, type Json } from './client.js';
export { HttpTransport, type ClientOptions, type RequestOptions } from './http.js';
export { FlywheelError, FlywheelNetworkError } from './errors.js';
export { encodeOnnxModel, logisticRegressionOnnx, OnnxType, type OnnxGraph, type OnnxInitializer, type OnnxNode, type OnnxValue } from './onnx.js';
export { ActiveRun, Tracking, type StartRunOptions } from './tracking.js';
// The typed pipeline builder and validation, the same the server applies.
export { pipeline, PipelineBuilder, validatePipeline } from '@flywheel/contract';
export type { PipelineDefinition, StepDefinition, StepInput, StepOutput, ParamSpec } from '@flywheel/contract';
