export { loadConfig, ConfigError, ConfigSchema, CONFIG_SOURCES } from './config.js';
export type { Config, ConfigOverrides } from './config.js';
