import type { Area } from '../../nav';

/** The datasets pages: routes and navigation entries. */
export const datasetsArea: Area = {
  routes: [],
  nav: [],
};
