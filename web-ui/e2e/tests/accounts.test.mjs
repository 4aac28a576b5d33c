// Accounts and API keys in the admin pages (issue 23 §2, §3): deactivate and reactivate, a
// one-use reset link, a user's own password change, an API key's secret shown once, used,
// and revoked. Each test makes its own accounts, so the demo accounts keep their passwords.
// Starts from a running API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, login, shot, apiLogin, api, until, BASE_URL, PASSWORD } from '../lib/harness.mjs';

let browser;
let adminToken;
before(async () => {
  browser = await launch();
  adminToken = await apiLogin('admin@example.com');
});
after(async () => { await browser?.close(); });

/** A fresh requester account: {id, email, name}. */
async function newAccount(label) {
  const tag = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const body = { email: `${label}-${tag}@example.com`, name: `${label} ${tag}`, role: 'requester', password: PASSWORD };
  const r = await api(adminToken, 'POST', '/api/users', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function loginStatus(email, password) {
  const r = await fetch(BASE_URL + '/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  return r.status;
}

/** The admin page's users tab, signed in as the admin, on a page of its own. */
async function adminUsers(name) {
  const page = await openPage(browser, name);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await login(page, 'admin@example.com');
  await page.getByTestId('users').waitFor();
  return page;
}

/** Signs in through the login page and expects a refusal. */
async function loginRefused(page, email, password) {
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('Wrong email or password.').waitFor();
}

test('the admin deactivates and reactivates an account; deactivated, it cannot sign in', async () => {
  const user = await newAccount('Lifecycle');
  const page = await adminUsers('admin');
  const row = page.getByTestId('users').locator('tr', { hasText: user.email });
  await row.getByText('Active', { exact: true }).waitFor();
  await row.getByRole('button', { name: `Deactivate ${user.name}` }).click();
  await row.getByText('Deactivated').waitFor();
  await page.getByText(`Deactivated ${user.name} (${user.email}).`).waitFor();
  const asked = await page.evaluate(() => window.__confirmed);
  assert.ok(asked.some((q) => q.startsWith(`Deactivate ${user.name}`)), 'the admin was asked first');
  await shot(page, 'admin-users-deactivated');

  const other = await openPage(browser, 'user');
  await loginRefused(other, user.email, PASSWORD);
  assert.equal(await loginStatus(user.email, PASSWORD), 401);

  await row.getByRole('button', { name: `Reactivate ${user.name}` }).click();
  await row.getByText('Active', { exact: true }).waitFor();
  await login(other, user.email);
  await other.context().close();
  await page.context().close();
});

test('a reset link sets a password once; the user signs in with it', async () => {
  const user = await newAccount('Reset');
  const page = await adminUsers('admin');
  const row = page.getByTestId('users').locator('tr', { hasText: user.email });
  await row.getByRole('button', { name: `Reset password ${user.name}` }).click();
  const panel = page.getByTestId('reset-link');
  await panel.getByRole('heading', { name: `Password reset link for ${user.name}` }).waitFor();
  const link = await panel.getByRole('textbox', { name: 'Reset link' }).inputValue();
  assert.match(link, new RegExp(`^${BASE_URL.replace(/[.]/g, '\\.')}/reset-password#token=[A-Za-z0-9_-]{43}$`));
  await panel.getByText(/It works once, until/).waitFor();
  await panel.getByRole('button', { name: 'Copy reset link' }).click();
  await panel.getByRole('button', { name: 'Copy reset link' }).getByText('Copied').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, 'the copy button copied the link');
  await shot(page, 'admin-reset-link');

  const holder = await openPage(browser, 'user');
  await holder.goto(link);
  await holder.getByRole('heading', { name: 'Set a new password' }).waitFor();
  // A weak password, then two that differ, are refused in the page.
  await holder.getByLabel('New password', { exact: true }).fill('short');
  await holder.getByLabel('New password again').fill('short');
  await holder.getByRole('button', { name: 'Set password' }).click();
  await holder.getByText('The new password must be 8 to 256 characters long.').waitFor();
  await holder.getByLabel('New password', { exact: true }).fill('a new password 1');
  await holder.getByLabel('New password again').fill('a new password 2');
  await holder.getByRole('button', { name: 'Set password' }).click();
  await holder.getByText('The two passwords differ').waitFor();
  await shot(holder, 'reset-password-form');
  await holder.getByLabel('New password again').fill('a new password 1');
  await holder.getByRole('button', { name: 'Set password' }).click();
  await holder.waitForURL(BASE_URL + '/login');
  await holder.getByText('Your new password is set. Sign in with it.').waitFor();
  // Tokens issued up to the reset's second are refused (iat counts whole seconds).
  await holder.waitForTimeout(1100);
  assert.equal(await loginStatus(user.email, PASSWORD), 401, 'the old password no longer works');
  await login(holder, user.email, 'a new password 1');
  await holder.context().close();

  const again = await openPage(browser, 'again');
  await again.goto(link);
  await again.getByLabel('New password', { exact: true }).fill('another password');
  await again.getByLabel('New password again').fill('another password');
  await again.getByRole('button', { name: 'Set password' }).click();
  await again.getByText(/This reset link does not work: it has been used already/).waitFor();
  await shot(again, 'reset-password-used');
  assert.equal(await loginStatus(user.email, 'another password'), 401);
  await again.context().close();
  await page.context().close();
});

test('a signed-in user changes their own password from My account', async () => {
  const user = await newAccount('Changer');
  const page = await openPage(browser, 'user');
  await login(page, user.email);
  await page.getByRole('link', { name: `My account: ${user.name}` }).click();
  await page.getByRole('heading', { name: 'My account' }).waitFor();
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password', { exact: true }).fill('changed password 9');
  await page.getByLabel('New password again').fill('changed password 9');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The current password is not right.').waitFor();
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password is changed.').waitFor();
  await shot(page, 'account-password-changed');
  assert.equal(await page.getByLabel('Current password').inputValue(), '', 'the form is emptied');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await loginRefused(page, user.email, PASSWORD);
  await login(page, user.email, 'changed password 9');
  await page.context().close();
});

test('an API key: its secret shown once, it requests a call, revoked it stops working', async () => {
  const name = `Clinic scheduler ${Date.now()}`;
  const page = await adminUsers('admin');
  await page.getByRole('tab', { name: 'API keys' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  // All three scopes are ticked at first.
  for (const scope of ['calls:request', 'calls:read', 'calls:cancel']) {
    assert.ok(await page.getByLabel(scope).isChecked(), `${scope} ticked`);
  }
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('new-key');
  await shown.getByText('it is shown only this once').waitFor();
  const key = await shown.getByRole('textbox', { name: 'API key' }).inputValue();
  assert.match(key, /^pk_[0-9a-f]{16}_[A-Za-z0-9_-]+$/);
  await shown.getByRole('button', { name: 'Copy api key' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  const row = page.getByTestId('api-keys').locator('tr', { hasText: name });
  await row.getByText('Active', { exact: true }).waitFor();
  await shot(page, 'admin-api-key-created');

  // After a reload the secret is nowhere on the page; the list shows the key without it.
  await page.reload();
  await page.getByRole('tab', { name: 'API keys' }).click();
  await row.waitFor();
  assert.equal(await page.getByTestId('new-key').count(), 0);
  assert.ok(!(await page.content()).includes(key), 'the secret is gone after a reload');
  const prefix = key.split('_')[1];
  await row.getByText(`pk_${prefix}…`).waitFor();
  for (const scope of ['calls:request', 'calls:read', 'calls:cancel']) await row.getByText(scope).waitFor();

  // The integration requests a call with it, reads it, and cancels it.
  const asked = await api(key, 'POST', '/api/calls', { language: 'es', modality: 'video', priority: 'normal' });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  // The read side shows the call once it is projected.
  await until(`call ${asked.body.id} readable with the key`,
    async () => (await api(key, 'GET', `/api/calls/${asked.body.id}`)).status === 200);
  const cancelled = await api(key, 'POST', `/api/calls/${asked.body.id}/cancel`);
  assert.ok([202, 409].includes(cancelled.status), JSON.stringify(cancelled.body));

  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await row.getByText('Revoked', { exact: true }).waitFor();
  await page.getByText(`Revoked ${name}.`).waitFor();
  assert.equal(await row.getByRole('button', { name: `Revoke ${name}` }).count(), 0);
  await shot(page, 'admin-api-key-revoked');
  const refused = await api(key, 'POST', '/api/calls', { language: 'es', modality: 'video', priority: 'normal' });
  assert.equal(refused.status, 401, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'api_key_revoked');
  await page.context().close();
});
