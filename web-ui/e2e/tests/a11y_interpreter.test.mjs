// Issue 25: the interpreter's offer → call → wrap-up by keyboard alone, with the focus
// where it should be at each step and the countdown not spoken every second (§1, §2);
// and an offer that reaches an interpreter whose tab is in the background: it rings and
// shows a desktop notification, which brings the console back (§5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, login, shot, apiLogin, api, freeInterpreter, park, unpark, until, BASE_URL } from '../lib/harness.mjs';
import { assertNoAxeViolations, tabTo, focusedElement, requestCallOverApi } from '../lib/a11y.mjs';

const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';

// Counts what the page does with notifications and sound, and lets the test hide the
// tab (document.hidden / visibilityState, and the visibilitychange event).
const SPIES = `
window.__notes = []; window.__asked = 0; window.__tones = 0;
(function () {
  var Real = window.Notification;
  if (Real) {
    var Spy = function (title, options) {
      var n = new Real(title, options);
      window.__notes.push({ title: title, body: options && options.body, n: n });
      return n;
    };
    Object.defineProperty(Spy, 'permission', { get: function () { return Real.permission; } });
    Spy.requestPermission = function () { window.__asked++; return Real.requestPermission.apply(Real, arguments); };
    Spy.prototype = Real.prototype;
    window.Notification = Spy;
  }
  var osc = BaseAudioContext.prototype.createOscillator;
  BaseAudioContext.prototype.createOscillator = function () { window.__tones++; return osc.apply(this, arguments); };
  var hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: function () { return hidden; } });
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: function () { return hidden ? 'hidden' : 'visible'; } });
  window.__setHidden = function (h) { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
})();
`;

let browser;
let parked = [];

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  const agentToken = await apiLogin(AGENT);
  const agents = (await api(supervisor, 'GET', '/api/agents')).body;
  const me = agents.find((a) => a.email === AGENT);
  await freeInterpreter(agentToken, me);
  // Only agent1 takes calls, so the router offers them to agent1.
  parked = await park(supervisor, agents.filter((a) => a.email !== AGENT && a.status === 'available' && a.activity === 'idle'));
});

after(async () => {
  await browser?.close();
  await unpark(await apiLogin(SUPERVISOR), parked);
});

async function consolePage(name, { grant = false } = {}) {
  const page = await openPage(browser, name);
  if (grant) await page.context().grantPermissions(['notifications'], { origin: BASE_URL });
  await page.context().addInitScript(SPIES);
  await login(page, AGENT);
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  return page;
}

test('by keyboard alone: the offer takes the focus, Accept, End call, wrap-up', async () => {
  const page = await consolePage('agent-keys');
  await assertNoAxeViolations(page, 'the console (idle)');
  await tabTo(page, 'Available', (f) => f.text === 'Available');
  await page.keyboard.press('Enter');
  const available = page.getByRole('button', { name: 'Available', exact: true });
  await until('available', async () => (await available.getAttribute('aria-pressed')) === 'true');

  // Everything that could speak, watched from before the offer arrives.
  await page.evaluate(() => {
    window.__spoken = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const region = (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest('[aria-live], [role=status], [role=alert], [role=log], [role=timer]');
        if (region) window.__spoken.push(region.textContent.trim());
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await requestCallOverApi();
  await page.getByTestId('offer').waitFor({ timeout: 30000 });
  await until('the focus on Accept', async () => (await focusedElement(page)).id === 'offer-accept');
  await assertNoAxeViolations(page, 'the console (offer)');
  await shot(page, 'a11y-agent-offer');

  // The number ticks; what is spoken does not.
  const first = await page.getByTestId('countdown').locator('.big').textContent();
  await page.waitForTimeout(3200);
  const later = await page.getByTestId('countdown').locator('.big').textContent();
  assert.ok(Number(later) <= Number(first) - 3, `the countdown ticks (${first} → ${later})`);
  const live = await page.getByTestId('countdown').evaluate((e) => !!e.closest('[aria-live], [role=status], [role=timer], [role=log]'));
  assert.equal(live, false, 'the ticking countdown is not a live region');
  const spoken = await page.evaluate(() => window.__spoken.filter((t) => /\d+\s*s/.test(t)));
  assert.ok(spoken.length <= 1, `time left spoken at most once in 3 s, got ${JSON.stringify(spoken)}`);

  await page.keyboard.press('Enter');
  await page.getByTestId('call-view').waitFor();
  await until('the focus on the call heading', async () => (await focusedElement(page)).id === 'call-title');
  await assertNoAxeViolations(page, 'the console (on a call)');

  await tabTo(page, 'End call', (f) => f.text === 'End call');
  await page.keyboard.press('Enter');
  await page.getByTestId('wrap-up').waitFor();
  await until('the focus on the wrap-up heading', async () => (await focusedElement(page)).id === 'wrap-title');
  await assertNoAxeViolations(page, 'the console (wrap-up)');
  await shot(page, 'a11y-agent-wrap-up');

  await tabTo(page, 'the disposition', (f) => f.id === 'wrap-disposition');
  await tabTo(page, 'the notes', (f) => f.id === 'wrap-notes');
  await page.keyboard.type('Done by keyboard.');
  await tabTo(page, 'Submit wrap-up', (f) => f.text === 'Submit wrap-up');
  await page.keyboard.press('Enter');
  await page.getByTestId('wrap-up').waitFor({ state: 'detached' });
  await until('the focus on the status heading', async () => (await focusedElement(page)).id === 'status-title');
  await page.context().close();
});

test('an offer to a hidden tab rings and shows a notification, whose click focuses Accept', async () => {
  const page = await consolePage('agent-hidden', { grant: true });
  assert.equal(await page.evaluate(() => window.__asked), 0, 'no permission asked on load');
  const available = page.getByRole('button', { name: 'Available', exact: true });
  await available.click();
  await until('available', async () => (await available.getAttribute('aria-pressed')) === 'true');
  assert.equal(await page.getByLabel('Ring when an offer comes').isChecked(), true);

  await page.evaluate(() => window.__setHidden(true));
  const tonesBefore = await page.evaluate(() => window.__tones);
  const callId = await requestCallOverApi();
  await page.getByTestId('offer').waitFor({ timeout: 30000 });
  const note = await until('a notification', async () => page.evaluate(() => window.__notes[0] && { title: window.__notes[0].title, body: window.__notes[0].body }))
    .catch(async (e) => assert.fail(`${e.message}; the page: ${JSON.stringify(await page.evaluate(() => ({ permission: Notification.permission, hidden: document.hidden, notes: window.__notes.length })))}`));
  assert.equal(note.title, 'Incoming call');
  assert.match(note.body, /Spanish/);
  await until('the ring', async () => (await page.evaluate(() => window.__tones)) > tonesBefore);

  // Back to the tab through the notification: the console has the focus, on Accept.
  await page.evaluate(() => document.body.focus());
  await page.evaluate(() => { window.__setHidden(false); window.__notes[0].n.dispatchEvent(new Event('click')); });
  await until('the focus on Accept', async () => (await focusedElement(page)).id === 'offer-accept');
  await page.getByRole('button', { name: 'Decline' }).click();
  await page.getByTestId('offer').waitFor({ state: 'detached' });
  await api(await apiLogin('requester@example.com'), 'POST', `/api/calls/${callId}/cancel`);

  // The ring can be tested, and turned off (kept in this browser).
  const tones = await page.evaluate(() => window.__tones);
  await page.getByRole('button', { name: 'Test the ring' }).click();
  await until('the test ring', async () => (await page.evaluate(() => window.__tones)) > tones);
  await page.getByLabel('Ring when an offer comes').uncheck();
  assert.equal(await page.evaluate(() => localStorage.getItem('parley.ring')), 'false');
  await page.reload();
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  assert.equal(await page.getByLabel('Ring when an offer comes').isChecked(), false);
  await page.getByLabel('Ring when an offer comes').check();
  await page.getByRole('button', { name: 'Offline', exact: true }).click();
  await page.context().close();
});

test('notifications are asked for when going available, not on load', async () => {
  const page = await consolePage('agent-ask');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__asked), 0, 'no permission asked on load');
  const permission = await page.evaluate(() => Notification.permission);
  await page.getByRole('button', { name: 'Offline', exact: true }).click();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__asked), 0, 'going offline asks nothing');
  await page.getByRole('button', { name: 'Available', exact: true }).click();
  if (permission === 'default') {
    await until('the permission asked', async () => (await page.evaluate(() => window.__asked)) === 1);
  }
  await page.getByRole('button', { name: 'Offline', exact: true }).click();
  await page.context().close();
});
