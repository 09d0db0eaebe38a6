export { buildPlatform, startServer, createLogger, pendingMigrations, MIGRATIONS, runPipelineWorker } from './main.js';
export { runServer } from './cluster.js';
export type { ClusterPrimary } from './cluster.js';
export type { Platform, BuildOptions } from './main.js';
export { loadConfig, ConfigError, CONFIG_SOURCES } from './config/index.js';
export type { Config, ConfigOverrides } from './config/index.js';
export { VERSION } from './version.js';
export { createFirstAdmin } from './domains/org/index.js';
