// A caller's waiting screen shows the estimate for their own place in the queue (the call
// detail's `estimated_wait_s`, not the queue's estimate for a call arriving now); an
// interpreter who transfers a call to a queue of its language keeps the caller while nobody
// accepts (a transfer never leaves a caller alone), ends it, files the wrap-up and still sees
// the call among today's. An interpreter can also hand a call to a named colleague who is
// free (listed in the same transfer control): it rings for that colleague, and once they
// accept, the first interpreter gets the wrap-up form.
//
// Starts from a running API with the demo accounts and the router (PARLEY_BASE_URL). Other
// free interpreters are put on break for the test (so the call waits for agent1, and,
// once transferred, for nobody) and set available again after it; the call is cancelled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, requestInterpreter, freeInterpreter, park, unpark, confirmsAsked, login, shot, apiLogin, api, until } from '../lib/harness.mjs';

const REQUESTER = 'requester@example.com';
const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';

let browser;
let parked = [];
let callId;

/** As the app's format::duration. */
function duration(s) {
  s = Math.max(0, s);
  const p = (n) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${p(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${p(s % 60)}s`;
  return `${s}s`;
}

function estimateText(seconds) {
  if (seconds === null || seconds === undefined) return 'Not enough data yet';
  return seconds === 0 ? 'Any moment now' : `about ${duration(seconds)}`;
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
  // agent1 on break too: the call waits, with a place in the queue, until they come back.
  const r = await api(agentToken, 'PUT', '/api/agents/me/status', { status: 'break' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
});

after(async () => {
  await browser?.close();
  if (callId) await api(await apiLogin(REQUESTER), 'POST', `/api/calls/${callId}/cancel`);
  const supervisor = await apiLogin(SUPERVISOR);
  await unpark(supervisor, parked);
});

test('the waiting caller sees their own estimate; a transfer nobody takes leaves the call with its interpreter', async (t) => {
  const requester = await openPage(browser, 'requester');
  const agent = await openPage(browser, 'agent');
  const requesterToken = await apiLogin(REQUESTER);
  const agentToken = await apiLogin(AGENT);

  await t.test('the caller waits and sees the estimate for their place', async () => {
    await login(requester, REQUESTER);
    callId = await requestInterpreter(requester, { language: 'es', modality: 'Video', specialty: 'general' });
    const position = await requester.getByTestId('position').textContent({ timeout: 15000 });
    const estimate = requester.getByTestId('estimate');
    await estimate.waitFor();
    // The screen refreshes every 5 s: compare with the API's answer of the same moment.
    await until('the estimate of the call detail on screen', async () => {
      const detail = (await api(requesterToken, 'GET', `/api/calls/${callId}`)).body;
      assert.ok(position.includes(String(detail.position)), `${position} vs ${detail.position}`);
      const shown = (await estimate.textContent()).trim();
      return shown === estimateText(detail.estimated_wait_s) && shown;
    });
    const detail = (await api(requesterToken, 'GET', `/api/calls/${callId}`)).body;
    const queue = (await api(requesterToken, 'GET', '/api/queues')).body.find((q) => q.id === detail.queue_id);
    if (detail.estimated_wait_s && queue.estimated_wait_s) {
      // The queue's figure is for one more call behind this one: never shorter, and when
      // it is longer the screen must not show it. (With a fast recent service rate both
      // round to the same seconds.)
      assert.ok(detail.estimated_wait_s <= queue.estimated_wait_s,
        `own ${detail.estimated_wait_s} s <= queue's ${queue.estimated_wait_s} s for a new call`);
      if (detail.estimated_wait_s < queue.estimated_wait_s) {
        assert.notEqual((await estimate.textContent()).trim(), estimateText(queue.estimated_wait_s));
      }
    }
    await shot(requester, 'transfer-01-requester-waiting-estimate');
  });

  await t.test('the interpreter comes back, takes the call and asks for a transfer to another queue', async () => {
    await login(agent, AGENT);
    await agent.getByRole('heading', { name: 'Interpreter console' }).waitFor();
    await agent.getByRole('button', { name: 'Available' }).click();
    await agent.getByTestId('offer').waitFor({ timeout: 30000 });
    await agent.getByRole('button', { name: 'Accept' }).click();
    await agent.getByTestId('call-view').waitFor();
    const select = agent.getByLabel('Transfer to', { exact: true });
    // Only queues of the call's language are offered.
    assert.equal(await select.locator('option', { hasText: 'Mandarin · general' }).count(), 0);
    await select.selectOption({ label: 'Spanish · medical' });
    await agent.getByRole('button', { name: 'Transfer', exact: true }).click();
    assert.deepEqual(await confirmsAsked(agent),
      ['Transfer this call? You keep the caller until an interpreter of the chosen queue accepts; then you go into wrap-up.']);
    // The command went through: the transfer is asked for, the call is still theirs.
    const supervisor = await apiLogin(SUPERVISOR);
    await until('the transfer request in the history', async () => {
      const history = (await api(supervisor, 'GET', `/api/calls/${callId}/history`)).body;
      return history.some((e) => e.type === 'TransferRequested');
    });
  });

  await t.test('the interpreter keeps the caller while nobody takes the transfer, ends it and files the wrap-up', async () => {
    await agent.getByTestId('call-view').waitFor();
    const detail = (await api(requesterToken, 'GET', `/api/calls/${callId}`)).body;
    assert.equal(detail.status, 'connected');
    assert.equal(detail.queue_name, 'Spanish · general');
    await agent.getByRole('button', { name: 'End call' }).click();
    const form = agent.getByTestId('wrap-up');
    await form.waitFor({ timeout: 15000 });
    await shot(agent, 'transfer-02-agent-wrap-up-after-transfer');
    await agent.getByLabel('Disposition').selectOption('partially_completed');
    await agent.getByRole('button', { name: 'Submit wrap-up' }).click();
    await form.waitFor({ state: 'detached' });
    await agent.getByText('Waiting for the next call').waitFor();
    const me = (await api(agentToken, 'GET', '/api/agents')).body[0];
    assert.equal(me.activity, 'idle', 'the wrap-up was filed');
    // The call is theirs to see, among today's calls.
    const seen = await api(agentToken, 'GET', `/api/calls/${callId}`);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.equal(seen.body.queue_name, 'Spanish · general');
    await agent.getByRole('region', { name: "Today's calls" }).getByText('Spanish').first().waitFor();
    await shot(agent, 'transfer-03-agent-after-wrap-up');
  });
});

test('an interpreter hands a call to a named colleague who is free', async (t) => {
  const COLLEAGUE = 'agent2@example.com';
  const requesterToken = await apiLogin(REQUESTER);
  const supervisor = await apiLogin(SUPERVISOR);
  const colleagueToken = await apiLogin(COLLEAGUE);
  const colleagueId = (await api(supervisor, 'GET', '/api/agents')).body.find((a) => a.email === COLLEAGUE).id;
  // The first test's call still waits (for anyone with Spanish, in the Mandarin queue): it
  // would ring for the colleague as soon as they come free.
  if (callId) await api(requesterToken, 'POST', `/api/calls/${callId}/cancel`);
  const agent = await openPage(browser, 'agent');
  let handedOn;
  t.after(async () => {
    if (!handedOn) return;
    // Whichever state the test stopped in: the colleague on it, ringing, or nobody.
    await api(colleagueToken, 'POST', `/api/calls/${handedOn}/end`);
    await api(colleagueToken, 'POST', `/api/calls/${handedOn}/decline`);
    await api(requesterToken, 'POST', `/api/calls/${handedOn}/cancel`);
    await api(supervisor, 'PUT', `/api/agents/${colleagueId}/status`, { status: 'break' });
  });

  await t.test('the interpreter takes a Spanish call', async () => {
    await login(agent, AGENT);
    const available = agent.getByRole('button', { name: 'Available' });
    if ((await available.getAttribute('aria-pressed')) !== 'true') await available.click();
    const r = await api(requesterToken, 'POST', '/api/calls', { language: 'es', modality: 'video', specialty: 'general' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    handedOn = r.body.id;
    await agent.getByTestId('offer').waitFor({ timeout: 30000 });
    await agent.getByRole('button', { name: 'Accept' }).click();
    await agent.getByTestId('call-view').waitFor();
  });

  await t.test('a colleague who speaks Spanish comes free and is offered in the list', async () => {
    const r = await api(supervisor, 'PUT', `/api/agents/${colleagueId}/status`, { status: 'available' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const select = agent.getByLabel('Transfer to', { exact: true });
    // The list is fetched when the call view opens and each time it gets the focus.
    await until('the colleague in the transfer list', async () => {
      await select.blur();
      await select.focus();
      return (await select.locator('option', { hasText: 'Bilal Agent' }).count()) === 1;
    });
    await select.selectOption({ label: 'Bilal Agent' });
    await shot(agent, 'transfer-04-agent-colleague-chosen');
    await agent.getByRole('button', { name: 'Transfer', exact: true }).click();
    assert.deepEqual(await confirmsAsked(agent),
      ['Transfer this call to Bilal Agent? It rings for them; you keep the caller until they accept, then you go into wrap-up.']);
  });

  await t.test('the call rings for the colleague; once they accept the interpreter wraps up', async () => {
    await until('the call ringing for the colleague', async () => {
      const board = (await api(supervisor, 'GET', '/api/agents')).body;
      return board.find((a) => a.id === colleagueId).offer_call_id === handedOn;
    });
    // Still theirs while it rings.
    await agent.getByTestId('transfer-ringing').waitFor({ timeout: 15000 });
    const accepted = await api(colleagueToken, 'POST', `/api/calls/${handedOn}/accept`);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const form = agent.getByTestId('wrap-up');
    await form.waitFor({ timeout: 15000 });
    await form.getByText(/transferred by you/).waitFor({ timeout: 10000 });
    await agent.getByRole('button', { name: 'Submit wrap-up' }).click();
    await form.waitFor({ state: 'detached' });
  });
});
