import type { Area } from '../../nav';

/** The org pages: routes and navigation entries. */
export const orgArea: Area = {
  routes: [],
  nav: [],
};
