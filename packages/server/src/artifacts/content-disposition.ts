/**
 * A `Content-Disposition: attachment` header value that Node always accepts, for any file name.
 *
 * Node refuses header values with characters outside Latin-1 or with control characters (it throws
 * `ERR_INVALID_CHAR`, after the status and content-length may already be set). So the header
 * carries an ASCII fallback `filename="…"` (every character outside printable ASCII, `"` and `\`
 * replaced by `_`) and, when that fallback differs from the real name, the exact name as
 * RFC 5987 / RFC 6266 `filename*=UTF-8''<percent-encoded UTF-8>`, which clients prefer.
 *
 * @example
 *   contentDisposition('model.bin');  // attachment; filename="model.bin"
 *   contentDisposition('モデル.bin'); // attachment; filename="___.bin"; filename*=UTF-8''%E3%83%A2%E3%83%87%E3%83%AB.bin
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  const header = `attachment; filename="${fallback}"`;
  if (fallback === filename) return header;
  return `${header}; filename*=UTF-8''${encodeRfc5987(filename)}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Percent-encodes `value` as UTF-8, leaving only RFC 5987 attr-chars literal. */
function encodeRfc5987(value: string): string {
  // encodeURIComponent leaves ! ' ( ) * as they are; ' ( ) * are not attr-chars. Lone surrogates
  // cannot be encoded: they become U+FFFD first.
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
