/** UTC calendar days as the product names them (daily index suffixes, retention dates). */

/** The UTC calendar day containing `ms`, as `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
