import type { Area } from '../../nav';

/** The tracking pages: routes and navigation entries. */
export const trackingArea: Area = {
  routes: [],
  nav: [],
};
