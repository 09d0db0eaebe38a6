import type { DatasetsService } from '../datasets/index.js';
import type { PostmortemsService } from '../knowledge/index.js';
import type { PipelinesService } from '../pipelines/index.js';
import type { ProjectsService } from '../projects/index.js';
import type { RegistryService } from '../registry/index.js';
import type { DeploymentsService } from '../serving/index.js';
import type { TrackingService } from '../tracking/index.js';
import type { CatalogSources } from './catalog.service.js';

const PAGE = 1000;

/**
 * The catalog's view of the platform: each domain's own list or search, with the caller's access
 * where the domain filters by owner (models, experiments, datasets).
 *
 * @example
 *   new CatalogService(platformCatalogSources({ registry, tracking, datasets, projects, deployments, pipelines }))
 */
export function platformCatalogSources(s: {
  registry: Pick<RegistryService, 'searchRegisteredModels'>;
  tracking: Pick<TrackingService, 'searchExperiments'>;
  datasets: Pick<DatasetsService, 'listDatasets'>;
  projects: Pick<ProjectsService, 'list'>;
  deployments: Pick<DeploymentsService, 'list'>;
  pipelines: Pick<PipelinesService, 'list'>;
  postmortems?: Pick<PostmortemsService, 'list'>;
}): CatalogSources {
  const { postmortems } = s;
  return {
    models: (access, pageToken) => s.registry.searchRegisteredModels({ access, maxResults: PAGE, pageToken }),
    experiments: (access, pageToken) => s.tracking.searchExperiments({ access, viewType: 'ACTIVE_ONLY', maxResults: PAGE, pageToken }),
    datasets: (access, pageToken) => s.datasets.listDatasets({ access, maxResults: PAGE, pageToken }),
    projects: (pageToken) => s.projects.list({ maxResults: PAGE, pageToken }),
    deployments: async () => (await s.deployments.list()).map((d) => ({ name: d.name, updatedAt: d.updatedAt, models: d.config.variants.flatMap((v) => ('model' in v ? [v.model.name] : [])) })),
    pipelines: (pageToken) => s.pipelines.list({ maxResults: PAGE, ...(pageToken === undefined ? {} : { pageToken }) }),
    ...(postmortems ? { postmortems: (pageToken?: string) => postmortems.list({ maxResults: 500, pageToken }) } : {}),
  };
}
