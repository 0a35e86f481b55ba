/**
 * Removes configured secrets (a URL, its user name and password, raw and percent-decoded) from an
 * error text before it is stored or logged.
 */
export const redactUrlCredentials = (text: string, url: string): string => {
  const secrets = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    for (const part of [parsed.username, parsed.password, parsed.search.slice(1)]) {
      if (part.length >= 3) {
        secrets.add(part);
        secrets.add(decodeURIComponent(part));
      }
    }
  } catch {
    // Not a URL: the whole string is the secret.
  }
  let redacted = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    redacted = redacted.split(secret).join('[redacted]');
  }
  return redacted;
};

/** An Error carrying only a redacted message (no cause, whose text could hold the secret). */
export const redactedError = (error: unknown, url: string, prefix: string): Error => {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${prefix}: ${redactUrlCredentials(message, url)}`);
};
