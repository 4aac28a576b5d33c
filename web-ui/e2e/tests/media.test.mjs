// When video fails the call screen never dead-ends: with the Jitsi domain unreachable the
// interpreter's call screen says so and offers a retry, audio only and a requeue, which puts
// the call back in its queue. A supervisor monitors a live call listen-only, barges in and
// stops; the call's history names them each time. A participant invites a guest, who joins
// by link without an account and is removed.
//
// Starts from a running API with the demo accounts and the router (PARLEY_BASE_URL). Other
// free interpreters are put on break for the test and set available again after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, freeInterpreter, park, unpark, login, shot, apiLogin, api, until } from '../lib/harness.mjs';

const REQUESTER = 'requester@example.com';
const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';

let browser;
let parked = [];
const calls = [];

/** A Spanish video call answered by agent1 over the API (agent1 freed first, whatever an
 * earlier test left); returns its id. */
async function answeredCall(requester, agent) {
  const board = (await api(await apiLogin(SUPERVISOR), 'GET', '/api/agents')).body;
  await freeInterpreter(agent, board.find((a) => a.email === AGENT));
  const me = await api(agent, 'PUT', '/api/agents/me/status', { status: 'available' });
  assert.equal(me.status, 202, JSON.stringify(me.body));
  const r = await api(requester, 'POST', '/api/calls', { language: 'es', modality: 'video', specialty: 'general' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.id;
  calls.push(id);
  await until('the call rings for agent1', async () => {
    const accepted = await api(agent, 'POST', `/api/calls/${id}/accept`);
    return accepted.status === 202;
  });
  return id;
}

async function historyTypes(supervisor, id) {
  const r = await api(supervisor, 'GET', `/api/calls/${id}/history`);
  return (r.body || []).map((e) => e.type);
}

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  const agentToken = await apiLogin(AGENT);
  const agents = (await api(supervisor, 'GET', '/api/agents')).body;
  const me = agents.find((a) => a.email === AGENT);
  assert.ok(me, `${AGENT} is on the agents board`);
  await freeInterpreter(agentToken, me);
  parked = await park(supervisor, agents.filter((a) => a.email !== AGENT && a.status === 'available'));
});

after(async () => {
  await browser?.close();
  const requester = await apiLogin(REQUESTER);
  const agent = await apiLogin(AGENT);
  for (const id of calls) {
    await api(requester, 'POST', `/api/calls/${id}/cancel`);
    await api(agent, 'POST', `/api/calls/${id}/end`);
    await api(agent, 'POST', `/api/calls/${id}/wrap-up`, { disposition: 'completed' });
  }
  await unpark(await apiLogin(SUPERVISOR), parked);
});

test('with the Jitsi domain unreachable the call screen offers a retry, audio only and a requeue', async () => {
  const [requester, agent, supervisor] = await Promise.all([apiLogin(REQUESTER), apiLogin(AGENT), apiLogin(SUPERVISOR)]);
  const id = await answeredCall(requester, agent);

  // A context in which every address but the app's is unreachable: Jitsi is down.
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.route((url) => !url.href.startsWith(BASE_URL), (route) => route.abort('addressunreachable'));
  const page = await context.newPage();
  await login(page, AGENT);
  await page.goto(BASE_URL + '/console');
  const fallback = page.getByTestId('media-fallback');
  await fallback.waitFor({ timeout: 20000 });
  assert.match(await fallback.innerText(), /Video is not working/);
  assert.match(await fallback.innerText(), /could not load|did not answer/);
  await shot(page, 'media-fallback');

  // A retry tries again and fails again, still offering every way out.
  await page.getByRole('button', { name: 'Try again' }).click();
  await fallback.waitFor();
  await page.getByRole('button', { name: 'Continue with audio only' }).click();
  await fallback.waitFor();
  assert.equal(await page.getByRole('button', { name: 'Continue with audio only' }).count(), 0,
    'audio only is on already');

  await page.getByRole('button', { name: 'End my part and requeue the call' }).click();
  // The interpreter's part is over: the console turns to its wrap-up.
  await page.getByTestId('wrap-up').waitFor();
  await until('CallRequeued in the history', async () => (await historyTypes(supervisor, id)).includes('CallRequeued'));
  const call = (await api(supervisor, 'GET', `/api/calls/${id}`)).body;
  assert.ok(['queued', 'offered'].includes(call.status), JSON.stringify(call));
  await shot(page, 'media-requeued');
  await context.close();
  // The interpreter files the wrap-up of their part.
  const wrapped = await api(agent, 'POST', `/api/calls/${id}/wrap-up`, { disposition: 'completed' });
  assert.equal(wrapped.status, 202, JSON.stringify(wrapped.body));
  await api(requester, 'POST', `/api/calls/${id}/cancel`);
});

test('a supervisor monitors a call listen-only, barges in and stops; the history names them', async () => {
  const [requester, agent, supervisor] = await Promise.all([apiLogin(REQUESTER), apiLogin(AGENT), apiLogin(SUPERVISOR)]);
  const id = await answeredCall(requester, agent);
  const page = await openPage(browser, 'supervisor');
  await login(page, SUPERVISOR);
  await page.goto(BASE_URL + '/floor');
  const row = page.locator('tr', { hasText: id.slice(-8) });
  await row.getByRole('button', { name: 'Monitor' }).click();
  await page.getByRole('button', { name: 'Barge in' }).waitFor();
  await page.getByText('Monitoring · muted').waitFor(); // listen-only at first
  await shot(page, 'media-monitoring');
  await page.getByRole('button', { name: 'Barge in' }).click();
  await page.getByText('You are speaking in this call.').waitFor();
  await page.locator('section.monitor').getByRole('button', { name: 'Stop monitoring' }).click();
  await until('the monitoring in the history', async () => {
    const types = await historyTypes(supervisor, id);
    return ['MonitoringStarted', 'SupervisorBargedIn', 'MonitoringStopped'].every((t) => types.includes(t));
  });
  const history = (await api(supervisor, 'GET', `/api/calls/${id}/history`)).body;
  const started = history.find((e) => e.type === 'MonitoringStarted');
  assert.equal(started.actor.role, 'supervisor', JSON.stringify(started));
  await page.context().close();
  await api(agent, 'POST', `/api/calls/${id}/end`);
  await api(agent, 'POST', `/api/calls/${id}/wrap-up`, { disposition: 'completed' });
});

test('the interpreter invites a guest who joins by link without an account, then removes them', async () => {
  const [requester, agent, supervisor] = await Promise.all([apiLogin(REQUESTER), apiLogin(AGENT), apiLogin(SUPERVISOR)]);
  const id = await answeredCall(requester, agent);
  const page = await openPage(browser, 'interpreter');
  await login(page, AGENT);
  await page.goto(BASE_URL + '/console');
  const panel = page.getByTestId('guests-panel');
  await panel.getByLabel("Guest's name").fill('Maria');
  await panel.getByRole('button', { name: 'Invite a guest' }).click();
  const link = await panel.getByRole('textbox', { name: 'Link for Maria' }).inputValue();
  assert.match(link, /\/guest#token=/);
  await shot(page, 'guests-invited');

  // The guest: a browser of their own, no account.
  const guest = await openPage(browser, 'guest');
  await guest.goto(link);
  await guest.getByText('You are in the call as Maria.').waitFor();
  assert.equal(await guest.locator('iframe[data-stub="jitsi"]').count(), 1, 'the guest is in the room');
  await shot(guest, 'guest-in-call');

  await panel.getByRole('button', { name: 'Remove Maria' }).click();
  await guest.getByText('You were removed from the call.').waitFor({ timeout: 15000 });
  assert.equal(await guest.locator('iframe[data-stub="jitsi"]').count(), 0, 'out of the room');
  await shot(guest, 'guest-removed');
  const types = await historyTypes(supervisor, id);
  for (const t of ['GuestInvited', 'GuestJoined', 'GuestRemoved']) assert.ok(types.includes(t), `${t} in ${types}`);
  await guest.context().close();
  await page.context().close();
  await api(agent, 'POST', `/api/calls/${id}/end`);
  await api(agent, 'POST', `/api/calls/${id}/wrap-up`, { disposition: 'completed' });
});
