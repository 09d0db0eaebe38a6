/**
 * The light face of @flywheel/server (`@flywheel/server/config`): configuration and version
 * without loading the platform, so CLI commands that only talk to a server start fast.
 */
export { loadConfig, ConfigError, CONFIG_SOURCES } from './config/index.js';
export type { Config, ConfigOverrides } from './config/index.js';
export { VERSION } from './version.js';
