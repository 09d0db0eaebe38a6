export { FlywheelClient, type InferTensor, type Json } from './client.js';
export { HttpTransport, type ClientOptions, type RequestOptions } from './http.js';
export { FlywheelError, FlywheelNetworkError } from './errors.js';
export { encodeOnnxModel, logisticRegressionOnnx, OnnxType, type OnnxGraph, type OnnxInitializer, type OnnxNode, type OnnxValue } from './onnx.js';
export { ActiveRun, Tracking, type StartRunOptions } from './tracking.js';
