/** Catalog: one search across projects, models, datasets, deployments, pipelines and experiments, filtered by what the caller may read. */
export { CatalogService, CATALOG_KINDS, CATALOG_SCAN_LIMIT } from './catalog.service.js';
export type { CatalogItem, CatalogKind, CatalogQuery, CatalogSources } from './catalog.service.js';
export { catalogRoutes } from './catalog.routes.js';
export { platformCatalogSources } from './catalog.sources.js';
