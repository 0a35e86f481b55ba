/**
 * A browser as far as the hosted login is concerned: a cookie jar, no script, redirects not
 * followed (each hop is asserted). Cookies are kept by name for the one origin under test.
 */
export class FormBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  #remember(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  #headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return cookie === '' ? {} : { cookie };
  }

  async get(url: string | URL): Promise<Response> {
    const response = await fetch(new URL(url, this.origin), { redirect: 'manual', headers: this.#headers() });
    this.#remember(response);
    return response;
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(new URL(path, this.origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { ...this.#headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    this.#remember(response);
    return response;
  }
}

/** The CSRF token of the form on a hosted page. */
export const csrfOf = (page: string): string => {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (match === null) throw new Error(`no CSRF token on the page: ${page.slice(0, 300)}`);
  return match[1]!;
};

/** Where a redirect response points, resolved against `origin`. */
export const locationOf = (response: Response, origin: string): URL => {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location, origin);
};

/**
 * Where the page after a successful login sends the browser: its meta refresh, which must agree
 * with the page's link (a form post cannot redirect off-origin under `form-action 'self'`).
 */
export const continueOf = async (response: Response): Promise<URL> => {
  if (response.status !== 200) throw new Error(`expected the continue page, got ${response.status}`);
  const page = await response.text();
  const unescape = (value: string) => value.replace(/&amp;/g, '&');
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(page)?.[1];
  const link = /<a href="([^"]+)">Continue to the application<\/a>/.exec(page)?.[1];
  if (refresh === undefined || link !== refresh) throw new Error(`no way on: ${page.slice(0, 400)}`);
  return new URL(unescape(refresh));
};
