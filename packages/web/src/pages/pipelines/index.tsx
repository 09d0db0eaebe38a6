import type { Area } from '../../nav';

/** The pipelines pages: routes and navigation entries. */
export const pipelinesArea: Area = {
  routes: [],
  nav: [],
};
