export { FlywheelClient, type InferTensor, type Json } from './client.js';
export { HttpTransport, type ClientOptions, type RequestOptions } from './http.js';
export { FlywheelError, FlywheelNetworkError } from './errors.js';
export { ActiveRun, Tracking, type StartRunOptions } from './tracking.js';
