import type { Area } from '../../nav';
import './pipelines.css';
import { PipelinePage } from './pipeline-page';
import { PipelinesPage } from './pipelines-page';
import { PipelineRunPage } from './run-page';

/** The pipelines pages: pipelines, their runs, and a run's steps and logs. */
export const pipelinesArea: Area = {
  routes: [
    { path: '/pipelines', element: <PipelinesPage /> },
    { path: '/pipelines/:name', element: <PipelinePage /> },
    { path: '/pipelines/:name/runs/:id', element: <PipelineRunPage /> },
  ],
  nav: [{ to: '/pipelines', label: 'Pipelines', group: 'Build' }],
};
