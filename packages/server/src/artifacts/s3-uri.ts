import { normalizeArtifactPath } from './artifact-store.js';

export interface S3Location {
  bucket: string;
  /** Normalized key prefix without leading or trailing '/', '' for the bucket's root. */
  prefix: string;
}

/** Whether `root` names an S3 location (`s3://…`) rather than a local folder. */
export function isS3Uri(root: string): boolean {
  return /^s3:\/\//i.test(root);
}

/**
 * Splits `s3://bucket/some/prefix` into bucket and normalized prefix. Throws an `Error` saying
 * what is wrong when there is no (valid) bucket name or the prefix is not a safe relative path.
 *
 * @example
 *   parseS3Uri('s3://ml-artifacts/flywheel/'); // { bucket: 'ml-artifacts', prefix: 'flywheel' }
 */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  if (!m) throw new Error(`expected s3://bucket[/prefix], got ${JSON.stringify(uri)}`);
  const bucket = m[1] ?? '';
  // S3 bucket naming rules (loosely: S3-compatible servers accept a few more, e.g. underscores).
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/i.test(bucket)) {
    throw new Error(`expected s3://bucket[/prefix] with a bucket name of 3-63 letters, digits, '.', '-' or '_', got ${JSON.stringify(uri)}`);
  }
  let prefix: string;
  try {
    prefix = normalizeArtifactPath(m[2] ?? '');
  } catch (e) {
    throw new Error(`invalid prefix in ${JSON.stringify(uri)}: ${(e as Error).message}`);
  }
  return { bucket, prefix };
}
