import type { RouteObject } from 'react-router-dom';

/** One entry of the side navigation. */
export interface NavItem {
  to: string;
  label: string;
  /** Section heading the item is listed under. */
  group: 'Build' | 'Operate' | 'Organization';
  /** Shown to platform admins (and anonymous callers of a loopback server) only: the API refuses everyone else. */
  adminOnly?: boolean;
}

/** What an area of the UI (tracking, models, deployments, …) contributes: its routes and nav entries. */
export interface Area {
  routes: RouteObject[];
  nav: NavItem[];
}
