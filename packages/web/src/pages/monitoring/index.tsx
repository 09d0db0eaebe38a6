import { Navigate } from 'react-router-dom';
import type { Area } from '../../nav';
import { MonitorsPage } from './monitors';
import { MonitorPage } from './monitor';
import { AlertsPage } from './alerts';
import { LabelingIndexPage, LabelingQueuePage } from './labeling';
import './monitoring.css';

/** The monitoring pages: routes and navigation entries. */
export const monitoringArea: Area = {
  routes: [
    { path: '/monitoring', element: <Navigate to="/monitoring/monitors" replace /> },
    { path: '/monitoring/monitors', element: <MonitorsPage /> },
    { path: '/monitoring/monitors/:id', element: <MonitorPage /> },
    { path: '/monitoring/alerts', element: <AlertsPage /> },
    { path: '/monitoring/labeling', element: <LabelingIndexPage /> },
    { path: '/monitoring/labeling/:deployment', element: <LabelingQueuePage /> },
  ],
  nav: [
    { to: '/monitoring/monitors', label: 'Monitors', group: 'Operate' },
    { to: '/monitoring/alerts', label: 'Alerts', group: 'Operate' },
    { to: '/monitoring/labeling', label: 'Labeling queue', group: 'Operate' },
  ],
};
