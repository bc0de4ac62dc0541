/**
 * S3 event notifications (and, as far as reported, S3 events delivered through EventBridge) carry the
 * object key form-URL-encoded: `+` for a space, `%XX` for other bytes. GetObject needs the real key.
 *
 * A key that is not valid percent-encoding (a lone `%`, a truncated UTF-8 sequence) cannot have come
 * from S3's encoder; we keep it as it arrived rather than fail, and let GetObject be the judge.
 */
export function decodeNotificationKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return encoded;
  }
}
