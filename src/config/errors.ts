/**
 * A mistake in what the user asked for: a bad option value, a bad config file.
 * The CLI maps it to exit code 2 (SPEC.md "Exit codes") and prints only its
 * message, which is one line and names the option or the file and key.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
