// Every view of the app, each role's in turn, for the checks that must hold everywhere
// (axe-core, widths, touch targets): `visitEveryView` signs in as each role, opens each of
// its views, waits for the view's heading and calls `check(page, name)`.
import assert from 'node:assert/strict';
import { newContext, login, apiLogin, api, until, BASE_URL, PASSWORD } from './harness.mjs';
import { requestCallOverApi } from './a11y.mjs';

/** The ids the views of one call and one organisation need, made over the API. */
async function fixtures() {
  const waiting = await requestCallOverApi();
  const cancelled = await requestCallOverApi({ cancel: true });
  const admin = await apiLogin('admin@example.com');
  let orgs = (await api(admin, 'GET', '/api/organisations')).body;
  if (!orgs.length) {
    const made = await api(admin, 'POST', '/api/organisations', { name: 'E2E accessibility organisation' });
    assert.ok([200, 201].includes(made.status), JSON.stringify(made.body));
    orgs = (await api(admin, 'GET', '/api/organisations')).body;
  }
  return { waiting, cancelled, organisation: orgs[0].id };
}

async function cancel(id) {
  await api(await apiLogin('requester@example.com'), 'POST', `/api/calls/${id}/cancel`);
}

/** [role email or null, [[name, path, heading, then?]…]]; `then` acts on the page
 * before the check (another tab). */
function viewsOf(f) {
  // A tab by its id (admin-tab-<slug>), not its name: the views are also visited in Arabic.
  const tab = (slug) => async (page) => {
    await page.locator(`#admin-tab-${slug}[role=tab]`).click();
    await page.waitForTimeout(600);
  };
  return [
    [null, [
      ['sign in', '/login', 'Sign in to Parley'],
      ['reset password', '/reset-password', 'Set a new password'],
    ]],
    ['requester@example.com', [
      ['request form', '/request', 'Request an interpreter'],
      ['waiting call', `/my-calls/${f.waiting}`, 'Your call'],
      ['finished call', `/my-calls/${f.cancelled}`, 'Your call'],
      ['account', '/account', 'My account'],
      ['not available', '/floor', 'Not available'],
      ['not found', '/no-such-page', 'Page not found'],
    ]],
    ['agent1@example.com', [['console', '/console', 'Interpreter console']]],
    ['supervisor@example.com', [
      ['live floor', '/floor', 'Live floor'],
      ['floor at an instant', '/floor/at', 'The floor at an instant'],
      ['call history', '/calls', 'Call history'],
      ['call timeline', `/calls/${f.cancelled}/history`, /^Call /],
      ['analytics', '/analytics', 'Analytics'],
      ['organisations', '/organisations', 'Organisations'],
      ['organisation', `/organisations/${f.organisation}`, /./],
    ]],
    ['analyst@example.com', [
      ['analytics (analyst)', '/analytics', 'Analytics'],
      ['what if', '/analytics/what-if', 'What if'],
      ['invoices', '/invoices', 'Invoices'],
    ]],
    ['admin@example.com', [
      ['admin: users', '/admin', 'Administration'],
      ['admin: API keys', '/admin', 'Administration', tab('keys')],
      ['admin: queues', '/admin', 'Administration', tab('queues')],
      ['admin: skills', '/admin', 'Administration', tab('skills')],
      ['billed call', `/billing/calls/${f.cancelled}`, /bill and timeline/],
    ]],
  ];
}

/** Signs in through the form in any language: the fields by id, not by their labels. */
async function loginByIds(page, email) {
  await page.goto(BASE_URL + '/login');
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('live-status').waitFor();
}

/** `locale` (e.g. 'ar'): the views in that language, chosen as the picker would before
 * sign-in (this browser's stored choice); each view is then waited for by its <h1>, whatever
 * it says. */
export async function visitEveryView(browser, viewport, check, { locale } = {}) {
  const f = await fixtures();
  try {
    for (const [email, views] of viewsOf(f)) {
      const context = await newContext(browser, { viewport });
      if (locale) {
        await context.addInitScript((chosen) => localStorage.setItem('parley.locale', JSON.stringify(chosen)), locale);
      }
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`[${email}] page error: ${e.message}`));
      if (email) await (locale ? loginByIds(page, email) : login(page, email));
      for (const [name, path, heading, then] of views) {
        await page.goto(BASE_URL + path);
        if (locale) {
          await until(`<html lang=${locale}>`, () => page.evaluate((l) => document.documentElement.lang === l, locale));
          await page.locator('h1').first().waitFor();
        } else {
          await page.getByRole('heading', { name: heading, level: 1 }).first().waitFor();
        }
        // Lists and charts load after the heading.
        await page.waitForLoadState('networkidle').catch(() => {});
        await page.waitForTimeout(700);
        if (then) await then(page);
        await check(page, name);
      }
      await context.close();
    }
  } finally {
    await cancel(f.waiting);
  }
}
