export * from './errors.js';
export * from './tracking.js';
export * from './common.js';
