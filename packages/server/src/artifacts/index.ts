/** Artifact storage: the port every backend implements, path validation, and its backends (local folder, S3). */
export { normalizeArtifactPath, type ArtifactEntry, type ArtifactStore } from './artifact-store.js';
export { LocalFsArtifactStore } from './local-fs.js';
export { S3ArtifactStore } from './s3.js';
export { createArtifactStore, checkArtifactStore, describeArtifactStore } from './create-artifact-store.js';
export { contentDisposition } from './content-disposition.js';
export { PROXY_SCHEME, proxiedStorePath, readArtifactBytes } from './proxied-uri.js';
