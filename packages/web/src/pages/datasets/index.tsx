import type { Area } from '../../nav';
import './datasets.css';
import { DatasetPage } from './dataset-page';
import { DatasetsPage } from './datasets-page';
import { DatasetVersionPage } from './version-page';

/** The datasets pages: datasets, their versions, and each version's profile, schema and datasheet. */
export const datasetsArea: Area = {
  routes: [
    { path: '/datasets', element: <DatasetsPage /> },
    { path: '/datasets/:name', element: <DatasetPage /> },
    { path: '/datasets/:name/versions/:version', element: <DatasetVersionPage /> },
  ],
  nav: [{ to: '/datasets', label: 'Datasets', group: 'Build' }],
};
