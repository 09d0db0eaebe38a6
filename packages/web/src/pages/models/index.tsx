import type { Area } from '../../nav';
import './models.css';
import { LineagePage } from './lineage-page';
import { ModelPage } from './model-page';
import { ModelsPage } from './models-page';
import { VersionPage } from './version-page';

/** The models pages: registered models, versions (card, approval, lineage) and the lineage explorer. */
export const modelsArea: Area = {
  routes: [
    { path: '/models', element: <ModelsPage /> },
    { path: '/models/:name', element: <ModelPage /> },
    { path: '/models/:name/versions/:version', element: <VersionPage /> },
    { path: '/lineage', element: <LineagePage /> },
  ],
  nav: [
    { to: '/models', label: 'Models', group: 'Build' },
    { to: '/lineage', label: 'Lineage', group: 'Build' },
  ],
};
