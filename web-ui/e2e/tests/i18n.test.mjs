// Issue 25 §3: the interface in the user's language. In real Chromium: the browser's
// languages pick the first language; the picker (top bar, sign-in page) switches it and
// sets <html lang> and dir; Arabic is right to left; dates, numbers and plurals follow the
// language (checked against the browser's own Intl); a signed-in user's choice is kept by
// their account and comes back on another browser; screenshots of key views in Spanish
// and Arabic (screenshots/i18n-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, shot, apiLogin, api, BASE_URL, until } from '../lib/harness.mjs';
import { requestCallOverApi, assertNoAxeViolations } from '../lib/a11y.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  // The demo accounts are shared with every other test: back to "follow the browser".
  for (const email of ['agent1@example.com', 'requester@example.com']) {
    await api(await apiLogin(email), 'PUT', '/api/me/preferences', { locale: null });
  }
  await browser?.close();
});

async function htmlLangDir(page) {
  return page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
}

/** Signs in through the form whatever its language (fields by id, not by label). */
async function signIn(page, email) {
  await page.goto(BASE_URL + '/login');
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill('password123');
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('live-status').waitFor();
}

async function pick(page, locale) {
  await page.getByTestId('language-picker').selectOption(locale);
  await until(`<html lang=${locale}>`, async () => (await htmlLangDir(page))[0] === locale);
}

/** What the page should show for `at` in `locale`: the browser's Intl with format.rs's options. */
async function expectedDateTime(page, locale, at) {
  return page.evaluate(([locale, at]) => new Intl.DateTimeFormat(locale, {
    year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(at)), [locale, at]);
}

test('the browser\'s languages choose the first language; the sign-in page has the picker', async () => {
  const context = await newContext(browser, { locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto(BASE_URL + '/login');
  await page.getByRole('heading', { name: 'Iniciar sesión en Parley', level: 1 }).waitFor();
  assert.deepEqual(await htmlLangDir(page), ['es', 'ltr']);
  assert.equal(await page.title(), 'Iniciar sesión · Parley');
  await page.getByLabel('Idioma de la interfaz').waitFor();
  await shot(page, 'i18n-es-login');

  await pick(page, 'ar');
  assert.deepEqual(await htmlLangDir(page), ['ar', 'rtl']);
  await page.getByRole('heading', { name: 'تسجيل الدخول إلى Parley', level: 1 }).waitFor();
  // Right to left: the brand at the right end of the top bar, the picker to its left.
  const brand = await page.locator('.topbar .brand').boundingBox();
  const picker = await page.getByTestId('language-picker').boundingBox();
  assert.ok(brand.x > picker.x, `brand at ${brand.x}, picker at ${picker.x}`);
  // The choice is kept by this browser before anyone signs in.
  await page.reload();
  await page.getByRole('heading', { name: 'تسجيل الدخول إلى Parley', level: 1 }).waitFor();
  await shot(page, 'i18n-ar-login');
  await assertNoAxeViolations(page, 'the sign-in page in Arabic');
  await context.close();
});

test('Spanish and Arabic: a translated view, locale dates and a plural', async () => {
  const callId = await requestCallOverApi({ cancel: true });
  const requester = await apiLogin('requester@example.com');
  const call = (await api(requester, 'GET', `/api/calls/${callId}`)).body;

  const context = await newContext(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[i18n] page error: ${e.message}`));
  await signIn(page, 'requester@example.com');
  for (const [locale, dir, heading, column] of [
    ['es', 'ltr', 'Solicitar un intérprete', 'Solicitada'],
    ['ar', 'rtl', 'طلب مترجم', 'وقت الطلب'],
  ]) {
    await pick(page, locale);
    assert.deepEqual(await htmlLangDir(page), [locale, dir]);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.getByRole('columnheader', { name: column }).waitFor();
    // The newest call first: its request time as this language writes dates.
    const expected = await expectedDateTime(page, locale, call.requested_at);
    await until(`the request time in ${locale}`, async () =>
      (await page.locator('tbody tr').first().locator('td').first().innerText()).trim() === expected);
    await shot(page, `i18n-${locale}-request`);
    await assertNoAxeViolations(page, `the request page in ${locale}`);
  }
  // Arabic text sits at the right: a table cell's text starts at its right edge.
  const align = await page.locator('tbody td').first().evaluate((td) => getComputedStyle(td).textAlign);
  assert.equal(align, 'start');

  // The finished call's page: the status from the shared vocabulary, in Arabic.
  await page.goto(BASE_URL + `/my-calls/${callId}`);
  await page.getByText('متروكة').first().waitFor();
  await page.getByText('لقد ألغيت هذا الطلب.').waitFor();
  await shot(page, 'i18n-ar-finished-call');
  await context.close();

  // A plural with Arabic's six categories: the interpreter's calls today.
  const interpreter = await newContext(browser);
  const console_ = await interpreter.newPage();
  await signIn(console_, 'agent1@example.com');
  for (const locale of ['es', 'ar']) {
    await pick(console_, locale);
    await console_.getByRole('heading', { name: locale === 'es' ? 'Consola del intérprete' : 'لوحة المترجم', level: 1 }).waitFor();
    const agent = await apiLogin('agent1@example.com');
    const myId = (await api(agent, 'GET', '/api/auth/me')).body.id;
    const me = (await api(agent, 'GET', '/api/agents')).body.find((a) => a.id === myId);
    const count = me?.calls_today ?? 0;
    const wanted = await console_.evaluate(([locale, n]) => {
      const number = new Intl.NumberFormat(locale).format(n);
      const category = new Intl.PluralRules(locale).select(n);
      if (locale === 'es') return category === 'one' ? `${number} llamada hoy` : `${number} llamadas hoy`;
      return {
        zero: 'لا مكالمات اليوم', one: 'مكالمة واحدة اليوم', two: 'مكالمتان اليوم',
        few: `${number} مكالمات اليوم`, many: `${number} مكالمة اليوم`, other: `${number} مكالمة اليوم`,
      }[category];
    }, [locale, count]);
    await until(`"${wanted}" on the status card`, async () =>
      (await console_.locator('.status-card').innerText()).includes(wanted));
    await shot(console_, `i18n-${locale}-console`);
    await assertNoAxeViolations(console_, `the console in ${locale}`);
  }
  await interpreter.close();
});

test('a signed-in user\'s language is kept by their account, across sign-out and another browser', async () => {
  const first = await newContext(browser);
  const page = await first.newPage();
  await signIn(page, 'agent1@example.com');
  await pick(page, 'ar');
  const agent = await apiLogin('agent1@example.com');
  await until('the account keeps ar', async () =>
    (await api(agent, 'GET', '/api/me/preferences')).body.locale === 'ar');
  // Sign out: the sign-in page stays in Arabic.
  await page.locator('.topbar-end button').last().click();
  await page.getByRole('heading', { name: 'تسجيل الدخول إلى Parley', level: 1 }).waitFor();
  assert.deepEqual(await htmlLangDir(page), ['ar', 'rtl']);
  await first.close();

  // A browser that never saw the choice (English by its languages): after sign-in, Arabic.
  const second = await newContext(browser, { locale: 'en-GB' });
  const other = await second.newPage();
  await signIn(other, 'agent1@example.com');
  await other.getByRole('heading', { name: 'لوحة المترجم', level: 1 }).waitFor();
  assert.deepEqual(await htmlLangDir(other), ['ar', 'rtl']);
  // Back to English, stored too.
  await pick(other, 'en');
  await other.getByRole('heading', { name: 'Interpreter console', level: 1 }).waitFor();
  await until('the account keeps en', async () =>
    (await api(agent, 'GET', '/api/me/preferences')).body.locale === 'en');
  await second.close();
});
