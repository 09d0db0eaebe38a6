import type { Area } from '../../nav';

/** The monitoring pages: routes and navigation entries. */
export const monitoringArea: Area = {
  routes: [],
  nav: [],
};
