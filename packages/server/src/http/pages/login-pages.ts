import { alertBox, layout, layoutWithRefresh } from './layout.js';
import { html } from './escape-html.js';

/** The password step. `csrf` is the synchronizer token bound to this login attempt's cookie. */
export const passwordPage = (input: {
  readonly csrf: string;
  readonly username?: string | undefined;
  readonly error?: string | undefined;
}): string =>
  layout(
    'Sign in',
    html`${alertBox(input.error)}
      <form method="post" action="/login">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          autocomplete="username"
          required
          autofocus
          value="${input.username ?? ''}"
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>`,
  );

/** The second step, for accounts with TOTP enrolled. */
export const totpPage = (input: { readonly csrf: string; readonly error?: string | undefined }): string =>
  layout(
    'Authentication code',
    html`${alertBox(input.error)}
      <form method="post" action="/login/totp">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <label for="code">Authentication code</label>
        <input
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength="6"
          required
          autofocus
        />
        <button type="submit">Verify</button>
      </form>`,
  );

/** A request that cannot go back to the application (unknown client, unregistered redirect URI, ...). */
export const errorPage = (title: string, message: string): string =>
  layout(title, html`<p class="alert" role="alert">${message}</p>`);

/** After RP-Initiated Logout with nowhere registered to return to. */
export const signedOutPage = (): string =>
  layout('Signed out', html`<p>You are signed out. You can close this window.</p>`);

/**
 * After the login form: the way back to the application. A redirect answering the form post
 * would be a navigation of the form submission, which `form-action 'self'` forbids to leave this
 * origin (Chromium checks every hop of the redirect chain); a meta refresh is a new navigation,
 * needs no script, and the link serves anyone whose browser does not follow it.
 */
export const continuePage = (location: string, signedIn = true): string =>
  layoutWithRefresh(
    signedIn ? 'Signed in' : 'Signed out',
    location,
    html`<p>
      ${signedIn ? 'You are signed in.' : 'You are signed out.'}
      <a href="${location}">Continue to the application</a>.
    </p>`,
  );

/**
 * RP-Initiated Logout without an `id_token_hint`: the user confirms. The form posts here with the
 * SameSite=Lax SSO cookie, which a cross-site post would not carry, so no other site can submit it.
 */
export const confirmSignOutPage = (fields: Readonly<Record<string, string | undefined>>): string =>
  layout(
    'Sign out',
    html`<p>Sign out of Cutoff on this browser? You will be signed out of every application that uses it.</p>
      <form method="post" action="/oauth/end-session">
        ${Object.entries(fields).map(([name, value]) =>
          value === undefined ? undefined : html`<input type="hidden" name="${name}" value="${value}" />`,
        )}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">Sign out</button>
      </form>`,
  );

/** What each scope lets the application see, in the user's words. */
const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Know who you are (your Cutoff account id)',
  email: 'Your email address',
  profile: 'Your username and name',
  groups: 'The groups you belong to',
  offline_access: 'Stay signed in when you are away (a refresh token)',
};

/**
 * The consent page of a third-party client: who asks, for what, Allow or Deny. Both buttons
 * submit the same CSRF-protected form; the pressed one's `decision` says which.
 */
export const consentPage = (input: {
  readonly csrf: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
}): string =>
  layout(
    'Allow access?',
    html`<p><strong>${input.clientName}</strong> asks to use your Cutoff account:</p>
      <ul>
        ${input.scopes.map((scope) => html`<li>${SCOPE_DESCRIPTIONS[scope] ?? scope}</li>`)}
      </ul>
      <form method="post" action="/login/consent">
        <input type="hidden" name="csrf" value="${input.csrf}" />
        <button type="submit" name="decision" value="allow">Allow</button>
        <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
      </form>`,
  );
