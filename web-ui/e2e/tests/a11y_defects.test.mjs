// Issue 25 §1: the defects an outside audit found, one test each. Starts from a running
// API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, shot, BASE_URL, until } from '../lib/harness.mjs';
import { contrast, backgroundBehind, sidewaysOverflow, widestElements, tabTo, focusedElement } from '../lib/a11y.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function freshPage(options) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  return { context, page };
}

test('each view has its own title', async () => {
  const { context, page } = await freshPage();
  await page.goto(BASE_URL + '/login');
  await until('the sign-in title', async () => (await page.title()) === 'Sign in · Parley');
  await login(page, 'supervisor@example.com');
  await until('the floor title', async () => (await page.title()) === 'Live floor · Parley');
  for (const [link, title] of [['Call history', 'Call history · Parley'], ['Analytics', 'Analytics · Parley'],
    ['Organisations', 'Organisations · Parley'], ['Floor at…', 'Floor at an instant · Parley']]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
    await until(`the title ${title}`, async () => (await page.title()) === title);
  }
  await page.goto(BASE_URL + '/no-such-page');
  await until('the not-found title', async () => (await page.title()) === 'Page not found · Parley');
  await context.close();
});

test('after sign-in the focus is on the new page\'s heading, not on <body>', async () => {
  const { context, page } = await freshPage();
  await login(page, 'supervisor@example.com');
  await page.getByRole('heading', { name: 'Live floor', level: 1 }).waitFor();
  const focused = await until('the focus on the heading', async () => {
    const f = await focusedElement(page);
    return f.tag === 'h1' && f;
  });
  assert.equal(focused.text, 'Live floor');
  // Navigating moves it too.
  await page.getByRole('link', { name: 'Analytics', exact: true }).click();
  await until('the focus on the analytics heading', async () => {
    const f = await focusedElement(page);
    return f.tag === 'h1' && f.text === 'Analytics';
  });
  await context.close();
});

test('login errors are tied to their fields', async () => {
  const { context, page } = await freshPage();
  await page.goto(BASE_URL + '/login');
  const email = page.getByLabel('Email', { exact: true });
  const password = page.getByLabel('Password', { exact: true });
  await email.waitFor();
  const description = (field) => field.evaluate((e) => (e.getAttribute('aria-describedby') || '').split(' ')
    .filter(Boolean).map((id) => document.getElementById(id)?.textContent.trim()).join(' | '));

  // Both empty: each says so, the first gets the focus.
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.equal(await description(email), 'Enter your email.');
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.equal(await description(password), 'Enter your password.');
  assert.equal((await focusedElement(page)).id, 'login-email');

  // Email given: only the password is wrong now.
  await email.fill('requester@example.com');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  assert.equal(await email.getAttribute('aria-invalid'), null);
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.equal((await focusedElement(page)).id, 'login-password');

  // Refused by the server: the message describes both fields.
  await password.fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.match(await description(email), /Wrong email or password\./);
  assert.match(await description(password), /Wrong email or password\./);
  await shot(page, 'a11y-login-errors');
  await context.close();
});

test('the admin tabs follow the ARIA tabs pattern', async () => {
  const { context, page } = await freshPage();
  await login(page, 'admin@example.com');
  const tablist = page.getByRole('tablist', { name: 'Administration' });
  await tablist.waitFor();
  const tabs = tablist.getByRole('tab');
  assert.equal(await tabs.count(), 4);
  const state = () => tabs.evaluateAll((all) => all.map((t) => [t.textContent, t.getAttribute('aria-selected'), t.tabIndex]));
  assert.deepEqual((await state()).map((s) => s.slice(1)), [['true', 0], ['false', -1], ['false', -1], ['false', -1]]);

  // One Tab stop: the selected tab.
  const first = await tabTo(page, 'the selected tab', (f) => f.role === 'tab');
  assert.equal(first.text, 'Users and roles');
  for (const [key, name] of [['ArrowRight', 'API keys'], ['ArrowRight', 'Queues'], ['End', 'Interpreter skills'],
    ['ArrowRight', 'Users and roles'], ['ArrowLeft', 'Interpreter skills'], ['Home', 'Users and roles']]) {
    await page.keyboard.press(key);
    const focused = await focusedElement(page);
    assert.equal(focused.text, name, `${key} focuses ${name}`);
    const selected = (await state()).filter((s) => s[1] === 'true').map((s) => s[0]);
    assert.deepEqual(selected, [name], `${key} selects ${name}`);
  }
  await page.keyboard.press('ArrowRight');
  const panel = page.getByRole('tabpanel');
  assert.equal(await panel.getAttribute('aria-labelledby'), 'admin-tab-keys');
  assert.equal(await page.locator('#admin-tab-keys').getAttribute('aria-controls'), await panel.getAttribute('id'));
  await page.keyboard.press('Tab');
  assert.equal((await focusedElement(page)).role, 'tabpanel', 'Tab leaves the tab list for the panel');
  await context.close();
});

test('the interpreter\'s status buttons show a focus ring that is not clipped, at 3:1', async () => {
  const { context, page } = await freshPage();
  await login(page, 'agent1@example.com');
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  for (const name of ['Available', 'On break', 'Offline']) {
    const focused = await tabTo(page, name, (f) => f.tag === 'button' && f.text === name);
    assert.equal(focused.text, name);
    const button = page.getByRole('button', { name, exact: true });
    const ring = await button.evaluate((e) => {
      const s = getComputedStyle(e);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), offset: parseFloat(s.outlineOffset), color: s.outlineColor };
    });
    assert.equal(ring.style, 'solid', `${name}: a focus outline`);
    assert.ok(ring.width >= 2, `${name}: the ring is ${ring.width}px`);
    const behind = await backgroundBehind(button);
    assert.ok(contrast(ring.color, behind) >= 3, `${name}: ring ${ring.color} on ${behind} is ${contrast(ring.color, behind).toFixed(2)}:1`);
    // No ancestor cuts the ring off.
    const clippedBy = await button.evaluate((e, grow) => {
      const r = e.getBoundingClientRect();
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if ([s.overflow, s.overflowX, s.overflowY].some((o) => o !== 'visible')) {
          const box = a.getBoundingClientRect();
          if (r.left - grow < box.left || r.top - grow < box.top || r.right + grow > box.right || r.bottom + grow > box.bottom) {
            return `${a.tagName.toLowerCase()}.${a.className}`;
          }
        }
      }
      return null;
    }, ring.width + ring.offset);
    assert.equal(clippedBy, null, `${name}: the ring is clipped by ${clippedBy}`);
  }
  await shot(page, 'a11y-status-focus');
  await context.close();
});

test('at 320 px the floor and analytics do not scroll sideways', async () => {
  const { context, page } = await freshPage({ viewport: { width: 320, height: 800 } });
  await login(page, 'supervisor@example.com');
  await page.getByRole('heading', { name: 'Live floor' }).waitFor();
  await page.waitForTimeout(800);
  assert.equal(await sidewaysOverflow(page), 0, `the floor: ${await widestElements(page)}`);
  await shot(page, 'a11y-320-floor');
  await page.goto(BASE_URL + '/analytics');
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  await page.waitForTimeout(800);
  assert.equal(await sidewaysOverflow(page), 0, `analytics: ${await widestElements(page)}`);
  await shot(page, 'a11y-320-analytics');
  await context.close();
});
