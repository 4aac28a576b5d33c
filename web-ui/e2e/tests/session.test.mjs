// Sign-in, the session across reloads, sign-out, expired or invalid sessions, a lost
// connection, and the keyboard. Starts from a running API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, shot, BASE_URL } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function freshPage() {
  const context = await newContext(browser);
  const page = await context.newPage();
  return { context, page };
}

test('wrong credentials get a clear message', async () => {
  const { context, page } = await freshPage();
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').fill('requester@example.com');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  await shot(page, 'session-wrong-password');
  await context.close();
});

test('the session survives a reload and ends with sign-out', async () => {
  const { context, page } = await freshPage();
  await login(page, 'agent1@example.com');
  await page.reload();
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await context.close();
});

test('a token the server refuses sends the user back to sign in, saying why', async () => {
  const { context, page } = await freshPage();
  await login(page, 'supervisor@example.com');
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem('parley.session'));
    session.token = 'not-a-valid-token';
    localStorage.setItem('parley.session', JSON.stringify(session));
  });
  await page.reload();
  await page.getByText('Your session is no longer valid. Please sign in again.').waitFor();
  await shot(page, 'session-invalid');
  await context.close();
});

test('an expired session is dropped on load with a message', async () => {
  const { context, page } = await freshPage();
  await login(page, 'analyst@example.com');
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem('parley.session'));
    session.expires_at = '2000-01-01T00:00:00Z';
    localStorage.setItem('parley.session', JSON.stringify(session));
  });
  await page.reload();
  await page.getByText('Your session has expired. Please sign in again.').waitFor();
  await context.close();
});

test('a lost connection is shown, and live updates come back', async () => {
  const { context, page } = await freshPage();
  // The WebSocket goes through the test, which can cut it and refuse new ones.
  let online = true;
  const sockets = [];
  await context.routeWebSocket(/\/api\/ws/, (ws) => {
    if (!online) { ws.close({ code: 1001, reason: 'offline' }); return; }
    ws.connectToServer();
    sockets.push(ws);
  });
  await login(page, 'supervisor@example.com');
  await page.locator('.live-on').waitFor();
  online = false;
  for (const ws of sockets.splice(0)) await ws.close({ code: 1001, reason: 'cut' });
  await page.getByText('Connection to the server lost').waitFor({ timeout: 30000 });
  await page.locator('.live-off').waitFor();
  await shot(page, 'session-connection-lost');
  online = true;
  await page.locator('.live-on').waitFor({ timeout: 60000 });
  assert.equal(await page.getByText('Connection to the server lost').count(), 0);
  await context.close();
});

test('the keyboard reaches the form, with a visible focus', async () => {
  const { context, page } = await freshPage();
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').waitFor();
  await page.keyboard.press('Tab'); // skip link
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab'); // the top bar's language picker (issue 25 §3)
  assert.equal(await page.evaluate(() => document.activeElement.id), 'language-picker');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-email');
  await page.keyboard.type('requester@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('password123');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(ring, 'solid', 'the focused button shows a focus ring');
  await shot(page, 'session-keyboard-focus');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Request an interpreter' }).waitFor();
  await context.close();
});
