import type { Area } from '../../nav';

/** The deployments pages: routes and navigation entries. */
export const deploymentsArea: Area = {
  routes: [],
  nav: [],
};
