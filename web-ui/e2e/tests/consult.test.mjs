// A warm transfer: the interpreter consults a named colleague while the caller stays with
// them; the colleague answers and joins the call; the interpreter completes the handover
// and goes into wrap-up. The call's history has each step.
//
// Starts from a running API with the demo accounts and the router (PARLEY_BASE_URL). Other
// free interpreters are put on break for the test and set back after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, freeInterpreter, park, unpark, login, shot, apiLogin, api, until } from '../lib/harness.mjs';

const REQUESTER = 'requester@example.com';
const AGENT = 'agent1@example.com';
const COLLEAGUE = 'agent2@example.com';
const SUPERVISOR = 'supervisor@example.com';

let browser;
let parked = [];
let callId;

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  const board = (await api(supervisor, 'GET', '/api/agents')).body;
  await freeInterpreter(await apiLogin(AGENT), board.find((a) => a.email === AGENT));
  await freeInterpreter(await apiLogin(COLLEAGUE), board.find((a) => a.email === COLLEAGUE));
  parked = await park(supervisor, board.filter((a) => ![AGENT, COLLEAGUE].includes(a.email) && a.status === 'available'));
});

after(async () => {
  await browser?.close();
  const colleague = await apiLogin(COLLEAGUE);
  if (callId) {
    await api(colleague, 'POST', `/api/calls/${callId}/end`);
    await api(colleague, 'POST', `/api/calls/${callId}/wrap-up`, { disposition: 'completed' });
  }
  const supervisor = await apiLogin(SUPERVISOR);
  const board = (await api(supervisor, 'GET', '/api/agents')).body;
  await api(supervisor, 'PUT', `/api/agents/${board.find((a) => a.email === COLLEAGUE).id}/status`, { status: 'break' });
  await unpark(supervisor, parked);
});

test('the interpreter consults a colleague, who joins, then completes the handover', async () => {
  const [requester, agent, colleague, supervisor] = await Promise.all(
    [REQUESTER, AGENT, COLLEAGUE, SUPERVISOR].map((email) => apiLogin(email)));
  const board = (await api(supervisor, 'GET', '/api/agents')).body;
  const colleagueId = board.find((a) => a.email === COLLEAGUE).id;
  await api(agent, 'PUT', '/api/agents/me/status', { status: 'available' });
  const r = await api(requester, 'POST', '/api/calls', { language: 'es', modality: 'video', specialty: 'general' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  callId = r.body.id;
  await until('agent1 answers', async () => (await api(agent, 'POST', `/api/calls/${callId}/accept`)).status === 202);

  const page = await openPage(browser, 'interpreter');
  await login(page, AGENT);
  await page.goto(BASE_URL + '/console');
  await page.getByTestId('call-view').waitFor();
  await api(supervisor, 'PUT', `/api/agents/${colleagueId}/status`, { status: 'available' });
  const select = page.getByLabel('Transfer to', { exact: true });
  await until('the colleague in the list', async () => {
    await select.blur();
    await select.focus();
    return (await select.locator('option', { hasText: 'Bilal Agent' }).count()) === 1;
  });
  await select.selectOption({ label: 'Bilal Agent' });
  await page.getByRole('button', { name: 'Consult first' }).click();
  await page.getByRole('button', { name: 'Complete transfer' }).waitFor();
  await until('the consult ringing for the colleague', async () =>
    (await api(colleague, 'POST', `/api/calls/${callId}/accept`)).status === 202);
  // Both interpreters on the call; the caller still with the first.
  await page.getByTestId('call-view').waitFor();
  await shot(page, 'consult-answered');
  await page.getByRole('button', { name: 'Complete transfer' }).click();
  await page.getByTestId('wrap-up').waitFor({ timeout: 15000 });
  await shot(page, 'consult-completed');

  const history = (await api(supervisor, 'GET', `/api/calls/${callId}/history`)).body.map((e) => e.type);
  for (const type of ['ConsultRequested', 'ConsultAnswered', 'CallTransferred']) {
    assert.ok(history.includes(type), `${type} in ${history}`);
  }
  const call = (await api(supervisor, 'GET', `/api/calls/${callId}`)).body;
  assert.equal(call.agent_id, colleagueId, JSON.stringify(call));
  await page.getByRole('button', { name: 'Submit wrap-up' }).click();
  await page.context().close();
});
