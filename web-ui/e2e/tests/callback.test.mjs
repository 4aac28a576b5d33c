// Issue 17 §6, "keep my place, call me back", in a real browser: a requester facing a wait
// chooses a callback on the waiting screen; when an interpreter accepts, the page (by push)
// asks them to join, and joining connects them to the room.
//
// Starts from a running API with the demo accounts seeded and the router running (as the
// other tests). Screenshots go to screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, requestInterpreter, freeInterpreter, park, unpark, login, shot, apiLogin, api, until } from '../lib/harness.mjs';

const REQUESTER = 'requester@example.com';
const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';

let browser;
let parked = [];

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  const agentToken = await apiLogin(AGENT);
  const agents = (await api(supervisor, 'GET', '/api/agents')).body;
  const me = agents.find((a) => a.email === AGENT);
  assert.ok(me, `${AGENT} is on the agents board`);
  await freeInterpreter(agentToken, me);
  // Nobody free: the call waits, so the requester has a wait to skip.
  parked = await park(supervisor, agents.filter((a) => a.status === 'available'));
});

after(async () => {
  await browser?.close();
  const supervisor = await apiLogin(SUPERVISOR);
  await unpark(supervisor, parked);
});

test('a requester chooses a callback, keeps their place, and joins when the interpreter is ready', async () => {
  const agentToken = await apiLogin(AGENT);
  const page = await openPage(browser, 'requester-callback');
  await login(page, REQUESTER);
  const callId = await requestInterpreter(page, { language: 'zh', modality: 'Audio', specialty: 'general' });

  // The waiting screen offers the callback, with the place in line and the estimate.
  await page.getByTestId('callback').click();
  await page.getByTestId('callback-chosen').waitFor();
  const waiting = await page.locator('main').innerText();
  assert.match(waiting, /call you back/i, 'the promise is shown');
  await shot(page, 'callback-chosen');
  const requester = await apiLogin(REQUESTER);
  const chosen = (await api(requester, 'GET', `/api/calls/${callId}`)).body;
  assert.equal(chosen.callback, true, JSON.stringify(chosen));
  assert.equal(chosen.position, 1, 'the call kept its place');
  // The waiting screen's figures come from the call's own detail, not the queue board.
  await until('the screen shows how many wait in the queue', async () =>
    (await page.getByTestId('queue-waiting').textContent()).trim() === String(chosen.queue_waiting));

  // An interpreter becomes free; the router offers the call and they accept.
  await api(agentToken, 'PUT', '/api/agents/me/status', { status: 'available' });
  await until('the call rings for the interpreter', async () =>
    (await api(requester, 'GET', `/api/calls/${callId}`)).body.offered_to != null, { timeout: 15000 });
  const accepted = await api(agentToken, 'POST', `/api/calls/${callId}/accept`);
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));

  // Pushed to the page: join now, with the time left.
  const prompt = page.getByTestId('join-prompt');
  await prompt.waitFor({ timeout: 15000 });
  assert.match(await prompt.innerText(), /join now \(\d+ s left\)/i);
  await shot(page, 'callback-join-prompt');
  await prompt.getByRole('button', { name: 'Join' }).click();
  await until('the requester joined', async () =>
    (await api(requester, 'GET', `/api/calls/${callId}`)).body.joined_at != null);
  await prompt.waitFor({ state: 'detached' });
  await shot(page, 'callback-joined');

  // Leave the interpreter free for the next test.
  await api(agentToken, 'POST', `/api/calls/${callId}/end`);
  await api(agentToken, 'POST', `/api/calls/${callId}/wrap-up`, { disposition: 'completed' });
  await api(agentToken, 'PUT', '/api/agents/me/status', { status: 'offline' });
});
