/** The model registry: registered models, model versions, tags, aliases, stages, search, signatures, model cards and approvals. */
export { RegistryService, DEFAULT_MAX_SIGNATURE_FILE_BYTES } from './registry.service.js';
export type { RegisteredModel, ModelVersion, SearchInput as RegistrySearchInput, RegistryDeps, RegistryLogger } from './registry.service.js';
export { RegistryRepository } from './registry.repository.js';
export { registryMigrations } from './registry.migrations.js';
export { registryRoutes } from './registry.routes.js';
export { onnxSignature, onnxElemType } from './onnx-signature.js';
export { findModelSignature, locateModelFiles, mlmodelSignature } from './model-signature.js';
export type { ModelFiles } from './model-signature.js';
