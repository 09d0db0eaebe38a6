/** Lineage: dataset versions → runs → model versions → deployments, queried both ways. */
export { LineageService, parseLineageRef, datasetVersionKeys } from './lineage.service.js';
export type { LineageGraph, LineageNode, LineageEdge, LineageRef, LineageRuns, LineageModels, LineageDatasets, LineageDatasetVersion, LineageModelVersion, LineageDeployments, LineageServingVariant } from './lineage.service.js';
export { lineageRoutes } from './lineage.routes.js';
