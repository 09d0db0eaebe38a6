/** Datasets: named datasets with immutable, profiled versions (the monitoring baseline) and datasheets. */
export { DatasetsService, resolveFormat } from './datasets.service.js';
export type { DatasetsDeps, FileInput, RegisterVersionInput, RegisterUriInput, RegisterResult } from './datasets.service.js';
export { DatasetsRepository } from './datasets.repository.js';
export { datasetsMigrations } from './datasets.migrations.js';
export { datasetsRoutes } from './datasets.routes.js';
export { ColumnCollector, finishProfile, profileTextRows, PROFILE_VERSION } from './dataset-profile.js';
export { profileCsvFile, profileParquetFile } from './dataset-readers.js';
export { DatasetAccessService, MAX_GRANT_DAYS, MAX_SANDBOX_DAYS } from './dataset-access.service.js';
export type { DatasetGrant, DatasetSandbox, DatasetAccessDeps } from './dataset-access.service.js';
export { datasetAccessRoutes } from './dataset-access.routes.js';
export { granteesOf } from './datasets.service.js';
