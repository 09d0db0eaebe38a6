import { Navigate } from 'react-router-dom';
import type { Area } from '../../nav';
import { AdminOnly } from '../../components/admin-only';
import { TeamsPage } from './teams';
import { ProjectsPage } from './projects';
import { ProjectPage } from './project';
import { BudgetsPage } from './budgets';
import { AuditPage } from './audit';
import { PoliciesPage } from './policies';
import { CatalogPage } from './catalog';
import { ModelScorecardPage, ScorecardsPage } from './scorecards';
import './org.css';

/** The organization pages: routes and navigation entries. */
export const orgArea: Area = {
  routes: [
    { path: '/org', element: <Navigate to="/org/projects" replace /> },
    { path: '/org/catalog', element: <CatalogPage /> },
    { path: '/org/projects', element: <ProjectsPage /> },
    { path: '/org/projects/:name', element: <ProjectPage /> },
    { path: '/org/teams', element: <TeamsPage /> },
    { path: '/org/teams/:name', element: <TeamsPage /> },
    { path: '/org/budgets', element: <BudgetsPage /> },
    { path: '/org/scorecards', element: <ScorecardsPage /> },
    { path: '/org/scorecards/models/:name', element: <ModelScorecardPage /> },
    { path: '/org/policies', element: <PoliciesPage /> },
    { path: '/org/audit', element: <AdminOnly title="Audit log" what="the audit log (platform admins only)"><AuditPage /></AdminOnly> },
  ],
  nav: [
    { to: '/org/catalog', label: 'Catalog search', group: 'Organization' },
    { to: '/org/projects', label: 'Projects', group: 'Organization' },
    { to: '/org/teams', label: 'Teams', group: 'Organization' },
    { to: '/org/budgets', label: 'Budgets and cost', group: 'Organization' },
    { to: '/org/scorecards', label: 'Scorecards', group: 'Organization' },
    { to: '/org/policies', label: 'Policies', group: 'Organization' },
    { to: '/org/audit', label: 'Audit log', group: 'Organization', adminOnly: true },
  ],
};
