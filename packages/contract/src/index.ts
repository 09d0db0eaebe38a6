export * from './errors.js';
export * from './tracking.js';
export * from './common.js';
export * from './registry.js';
export * from './datasets.js';
export * from './pipelines/index.js';
