import type { Area } from '../../nav';
import './tracking.css';
import { ComparePage } from './compare-page';
import { ExperimentsPage } from './experiments-page';
import { RunPage } from './run-page';
import { RunsPage } from './runs-page';

/** The tracking pages: experiments, their run tables, run comparison and run pages. */
export const trackingArea: Area = {
  routes: [
    { path: '/experiments', element: <ExperimentsPage /> },
    { path: '/experiments/:experimentId', element: <RunsPage /> },
    { path: '/experiments/:experimentId/compare', element: <ComparePage /> },
    { path: '/runs/:runId', element: <RunPage /> },
  ],
  nav: [{ to: '/experiments', label: 'Experiments', group: 'Build' }],
};
