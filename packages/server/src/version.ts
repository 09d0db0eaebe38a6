/** The Flywheel version reported by /version and the OpenAPI document. */
export const VERSION = '0.1.0';
