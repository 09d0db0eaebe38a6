// The pipeline model, its validation and the typed builder: shared by the server (which stores and
// runs definitions), the SDK (which builds them) and the CLI, so all three agree on what is valid.
export * from './pipeline.model.js';
export * from './pipeline.validation.js';
export * from './pipeline.builder.js';
