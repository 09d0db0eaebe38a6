/** The model registry: registered models, model versions, tags, aliases, stages and search. */
export { RegistryService } from './registry.service.js';
export type { RegisteredModel, ModelVersion, SearchInput as RegistrySearchInput } from './registry.service.js';
export { RegistryRepository } from './registry.repository.js';
export { registryMigrations } from './registry.migrations.js';
