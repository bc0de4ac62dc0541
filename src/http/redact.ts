/**
 * Endpoints may be typed with credentials in them (`https://admin:secret@host`); any message quoting an
 * endpoint shows it through here, so a password never reaches a terminal, a log or CloudWatch. It works
 * on text, not on a parsed URL, because the endpoints that need it most are the ones that do not parse.
 */

/** `scheme://user:password@host...` → `scheme://***@host...`, wherever it occurs in `text`. */
export function redactCredentials(text: string): string {
  // Everything between `//` and the last `@` of the same word is user info (a password may hold `/`).
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi, '$1***@');
}
