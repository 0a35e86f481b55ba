/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined
    ? ''
    : String(value)
        .replaceAll('&', '&amp;')
        .replaceAll('<', '&lt;')
        .replaceAll('>', '&gt;')
        .replaceAll('"', '&quot;')
        .replaceAll("'", '&#39;');
