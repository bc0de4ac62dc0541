/** A cleanup option is missing or out of range. The message names the option so a bad env var is obvious. */
export class CleanupConfigError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
    this.name = 'CleanupConfigError';
  }
}
