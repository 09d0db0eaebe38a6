/** Artifact storage: the port every backend implements, path validation, and the local backend. */
export { normalizeArtifactPath, type ArtifactEntry, type ArtifactStore } from './artifact-store.js';
export { LocalFsArtifactStore } from './local-fs.js';
