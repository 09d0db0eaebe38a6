import type { Area } from '../../nav';

/** The models pages: routes and navigation entries. */
export const modelsArea: Area = {
  routes: [],
  nav: [],
};
