// Issue 25: the requester's request → call → rating by keyboard alone (§2), the focus
// never left on <body> when a stage replaces the one before (§1), and the rating stars at
// 3:1 against the card and selected against unselected (§1). The interpreter's side is
// driven over the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, shot, apiLogin, api, freeInterpreter, park, unpark, until, BASE_URL } from '../lib/harness.mjs';
import { assertNoAxeViolations, tabTo, focusedElement, contrast, backgroundBehind } from '../lib/a11y.mjs';

const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';

let browser;
let parked = [];
let agentToken;

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  agentToken = await apiLogin(AGENT);
  const agents = (await api(supervisor, 'GET', '/api/agents')).body;
  await freeInterpreter(agentToken, agents.find((a) => a.email === AGENT));
  parked = await park(supervisor, agents.filter((a) => a.email !== AGENT && a.status === 'available' && a.activity === 'idle'));
  const r = await api(agentToken, 'PUT', '/api/agents/me/status', { status: 'available' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
});

after(async () => {
  await browser?.close();
  await api(agentToken, 'PUT', '/api/agents/me/status', { status: 'offline' });
  await unpark(await apiLogin(SUPERVISOR), parked);
});

async function agentRow() {
  const rows = (await api(agentToken, 'GET', '/api/agents')).body;
  return rows.find((a) => a.email === AGENT);
}

test('by keyboard alone: sign in, request, the call, the rating', async () => {
  const page = await openPage(browser, 'requester-keys');
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email', { exact: true }).waitFor();
  await tabTo(page, 'the email field', (f) => f.id === 'login-email');
  await page.keyboard.type('requester@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('password123');
  await page.keyboard.press('Enter');
  await until('the focus on the request page\'s heading', async () => {
    const f = await focusedElement(page);
    return f.tag === 'h1' && f.text === 'Request an interpreter';
  });
  await assertNoAxeViolations(page, 'the request form');

  // The form's defaults: Spanish, video, general.
  await tabTo(page, 'Request interpreter', (f) => f.text === 'Request interpreter');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/my-calls\//);
  const callId = page.url().split('/my-calls/')[1];
  await until('the focus on the call page\'s heading', async () => (await focusedElement(page)).text === 'Your call');
  await page.getByRole('button', { name: 'Cancel request' }).waitFor();
  await assertNoAxeViolations(page, 'the waiting screen');
  // The user waits on Cancel, which goes away when the interpreter answers.
  await tabTo(page, 'Cancel request', (f) => f.text === 'Cancel request');

  await until('the offer to agent1', async () => (await agentRow())?.offer_call_id === callId, { timeout: 30000 });
  assert.equal((await api(agentToken, 'POST', `/api/calls/${callId}/accept`)).status, 202);
  await until('the focus on the interpreter line', async () => (await focusedElement(page)).id === 'live-title', { timeout: 20000 });
  await assertNoAxeViolations(page, 'the call (requester)');

  assert.equal((await api(agentToken, 'POST', `/api/calls/${callId}/end`)).status, 202);
  await until('the focus on the call\'s outcome', async () => (await focusedElement(page)).id === 'call-outcome', { timeout: 20000 });
  await page.getByRole('heading', { name: 'How was your interpreter?' }).waitFor();
  await assertNoAxeViolations(page, 'the rating form');

  // The stars: a radio group; Space picks the first, the arrows move.
  const star = await tabTo(page, 'the stars', (f) => f.name === 'stars');
  assert.equal(star.id, 'star-1');
  await page.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#star-4').isChecked(), true);
  const colours = await page.locator('.stars label').evaluateAll((labels) => labels.map((l) => getComputedStyle(l).color));
  const behind = await backgroundBehind(page.locator('.stars label').first());
  const [on, off] = [colours[0], colours[4]];
  assert.ok(contrast(off, behind) >= 3, `an unselected star ${off} on ${behind}: ${contrast(off, behind).toFixed(2)}:1`);
  assert.ok(contrast(on, behind) >= 3, `a selected star ${on} on ${behind}: ${contrast(on, behind).toFixed(2)}:1`);
  assert.ok(contrast(on, off) >= 3, `selected ${on} against unselected ${off}: ${contrast(on, off).toFixed(2)}:1`);
  const ring = await page.locator('label[for=star-4]').evaluate((l) => getComputedStyle(l).outlineStyle);
  assert.equal(ring, 'solid', 'the focused star shows the focus ring');
  await shot(page, 'a11y-requester-rating');

  await tabTo(page, 'the comment', (f) => f.id === 'rate-comment');
  await page.keyboard.type('Rated by keyboard.');
  await tabTo(page, 'Send rating', (f) => f.text === 'Send rating');
  await page.keyboard.press('Enter');
  await page.getByText('Thank you — you rated this call 4 stars.').waitFor();
  assert.notEqual((await focusedElement(page)).tag, 'body', 'the focus is not left on <body>');
  await api(agentToken, 'POST', `/api/calls/${callId}/wrap-up`, { disposition: 'completed' });
  await page.context().close();
});
