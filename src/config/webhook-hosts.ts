/** The longest callback URL accepted. */
export const MAX_CALLBACK_URL_CHARS = 2048;

/** Whether `hostname` (lower-case, IPv6 in brackets) is one of `allowedHosts`. */
export function hostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((allowed) =>
    allowed.startsWith('*.')
      ? hostname.endsWith(allowed.slice(1)) && hostname.length > allowed.length - 1
      : hostname === allowed,
  );
}

/**
 * What is wrong with a callback URL, or null when it may be used: http or https only, no user
 * name or password, no fragment, a host in `allowedHosts`. Judged on the text alone: nothing is
 * resolved, so a submission can never make the server look a name up or connect anywhere.
 */
export function callbackProblem(text: string, allowedHosts: readonly string[]): string | null {
  if (text.length > MAX_CALLBACK_URL_CHARS)
    return `must be at most ${MAX_CALLBACK_URL_CHARS} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash) return 'must not have a fragment';
  if (!hostAllowed(url.hostname.toLowerCase(), allowedHosts)) {
    return 'names a host not in the setting api.webhooks.allowed-hosts';
  }
  return null;
}
