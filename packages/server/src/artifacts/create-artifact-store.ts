import { access, constants, mkdir } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalFsArtifactStore } from './local-fs.js';
import { S3ArtifactStore } from './s3.js';
import { isS3Uri } from './s3-uri.js';

/**
 * The artifact store the configuration asks for: S3 (or an S3-compatible server) when
 * `artifacts.root` is `s3://bucket[/prefix]`, else a local folder.
 *
 * @example
 *   const artifacts = createArtifactStore(config.artifacts);
 */
export function createArtifactStore(artifacts: Config['artifacts']): ArtifactStore {
  if (!isS3Uri(artifacts.root)) return new LocalFsArtifactStore(artifacts.root);
  const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = artifacts.s3;
  return new S3ArtifactStore({ root: artifacts.root, endpoint, region, accessKeyId, secretAccessKey, forcePathStyle });
}

/**
 * Readiness of an artifact store: a local root is created if needed and must be writable; an S3
 * bucket must answer HeadBucket with the configured credentials. Never throws.
 */
export async function checkArtifactStore(store: ArtifactStore): Promise<boolean> {
  if (store instanceof S3ArtifactStore) return store.ping();
  if (store instanceof LocalFsArtifactStore) {
    return mkdir(store.root, { recursive: true })
      .then(() => access(store.root, constants.W_OK))
      .then(
        () => true,
        () => false,
      );
  }
  return store.exists('').catch(() => false);
}

/** A short description of where artifacts go, for the startup log (no credentials). */
export function describeArtifactStore(store: ArtifactStore): string {
  if (store instanceof S3ArtifactStore || store instanceof LocalFsArtifactStore) return store.root;
  return store.kind;
}
