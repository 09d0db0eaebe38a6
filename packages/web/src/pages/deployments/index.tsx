import type { Area } from '../../nav';
import { DeploymentsPage } from './list';
import { DeploymentPage } from './deployment';
import './deployments.css';

/** The deployments pages: routes and navigation entries. */
export const deploymentsArea: Area = {
  routes: [
    { path: '/deployments', element: <DeploymentsPage /> },
    { path: '/deployments/:name', element: <DeploymentPage /> },
  ],
  nav: [{ to: '/deployments', label: 'Deployments', group: 'Operate' }],
};
