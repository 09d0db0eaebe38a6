export { openStore, redactUrl, sqlitePathFromUrl } from './store.js';
export type { Store, DialectName, StoreOptions } from './store.js';
export { migrateToLatest, pendingMigrations } from './migrate.js';
export type { DomainMigrations } from './migrate.js';
export { columnTypes, likeToGlob, isUniqueViolation, inList } from './sql-types.js';
