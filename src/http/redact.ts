/**
 * Endpoints may be typed with credentials in them (`https://admin:secret@host`); any message quoting an
 * endpoint shows it through here, so a password never reaches a terminal, a log or CloudWatch. It works
 * on text, not on a parsed URL, because the endpoints that need it most are the ones that do not parse.
 */

// scheme :// user [: password] @ (the user name is what comes before the first `:`)
const USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>/@:]*)(:?)[^\s"'<>]*@/gi;

/**
 * `scheme://user:password@host...` → `scheme://***@host...`, wherever it occurs in `text`. With
 * `keep: 'user'` the user name stays (`scheme://user:***@host...`): the CLI shows whom it would log in
 * as, and a URL whose user info holds no password is left as it is.
 */
export function redactCredentials(text: string, keep: 'nothing' | 'user' = 'nothing'): string {
  // Everything between `//` and the last `@` of the same word is user info (a password may hold `/`).
  return text.replace(USER_INFO, (whole, scheme: string, user: string, colon: string) => {
    if (keep === 'nothing') return `${scheme}***@`;
    return colon === '' ? whole : `${scheme}${user}:***@`;
  });
}
