// Single sign-on in the browser: "Sign in with SSO", the identity provider's own login form
// (scripts/oidc, started by scripts/test.sh), and back to Parley signed in. Skipped when
// the Parley under test has no single sign-on configured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, BASE_URL } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an interpreter signs in with SSO at the identity provider', async (t) => {
  const config = await (await fetch(BASE_URL + '/api/auth/config')).json();
  if (!config.sso) {
    t.skip('single sign-on is not configured on ' + BASE_URL + ' (scripts/test.sh configures it)');
    return;
  }
  // A context of its own: the harness's sends every other origin to a Jitsi stand-in, and
  // the provider is another origin.
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[sso] page error: ${e.message}`));
  await page.goto(BASE_URL + '/login');
  await page.getByRole('button', { name: 'Sign in with SSO' }).waitFor();
  await shot(page, 'sso-login-page');
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
  // The provider's form: the login is the email, any password.
  await page.waitForURL((url) => !url.href.startsWith(BASE_URL));
  await page.locator('input[name=login]').fill('agent1@example.com');
  await page.locator('input[name=password]').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  // The one-time code left the address as it was used.
  assert.ok(!page.url().includes('sso='), page.url());
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session')));
  assert.equal(session.user.email, 'agent1@example.com');
  await shot(page, 'sso-signed-in');
  await context.close();
});
