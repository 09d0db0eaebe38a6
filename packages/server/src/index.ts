export { buildPlatform, startServer, createLogger, MIGRATIONS } from './main.js';
export type { Platform, BuildOptions } from './main.js';
export { loadConfig, ConfigError, CONFIG_SOURCES } from './config/index.js';
export type { Config, ConfigOverrides } from './config/index.js';
export { VERSION } from './version.js';
