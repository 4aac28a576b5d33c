// Issue 5, item 11: a requester asks, an interpreter in a second browser context accepts,
// both see the Jitsi iframe with the same room, the call is ended and wrapped up, the
// supervisor sees it live and replays its history, the analyst sees it counted.
//
// Starts from a running API (PARLEY_BASE_URL, default http://localhost:8000) with the demo
// accounts seeded and the router running (scripts/stack.sh start). Jitsi's script is
// served locally (lib/harness.mjs); the iframe's domain, room and token are asserted.
// Screenshots of each screen go to screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, requestInterpreter, freeInterpreter, park, unpark, login, shot, apiLogin, api, BASE_URL, until } from '../lib/harness.mjs';

const REQUESTER = 'requester@example.com';
const AGENT = 'agent1@example.com';
const SUPERVISOR = 'supervisor@example.com';
const ANALYST = 'analyst@example.com';

let browser;

async function answeredToday(token) {
  const from = new Date(); from.setUTCHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + 86400000);
  const r = await api(token, 'GET', `/api/metrics?group_by=queue&interval=1d&from=${from.toISOString()}&to=${to.toISOString()}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.totals.reduce((n, row) => n + row.answered, 0);
}

let parked = [];

before(async () => {
  browser = await launch();
  const supervisor = await apiLogin(SUPERVISOR);
  const agentToken = await apiLogin(AGENT);
  const agents = (await api(supervisor, 'GET', '/api/agents')).body;
  // agent1 starts free: a call left over from an earlier run is ended and wrapped up.
  const me = agents.find((a) => a.email === AGENT);
  assert.ok(me, `${AGENT} is on the agents board`);
  await freeInterpreter(agentToken, me);
  // Only agent1 takes calls, so the router offers this one to them: other free
  // interpreters go on break for the test and come back after it.
  parked = await park(supervisor, agents.filter((a) => a.email !== AGENT && a.status === 'available' && a.activity === 'idle'));
});

after(async () => {
  await browser?.close();
  const supervisor = await apiLogin(SUPERVISOR);
  await unpark(supervisor, parked);
});

test('a call from request to analytics, in real browsers', async (t) => {
  const analystToken = await apiLogin(ANALYST);
  const answeredBefore = await answeredToday(analystToken);

  const requester = await openPage(browser, 'requester');
  const agent = await openPage(browser, 'agent');
  const supervisor = await openPage(browser, 'supervisor');
  let callId;

  await t.test('the supervisor opens the live floor', async () => {
    await login(supervisor, SUPERVISOR);
    await supervisor.getByRole('heading', { name: 'Live floor' }).waitFor();
    await supervisor.locator('.live-on').waitFor();
    await shot(supervisor, '01-supervisor-floor');
  });

  await t.test('the interpreter signs in and is available', async () => {
    await login(agent, AGENT);
    await agent.getByRole('heading', { name: 'Interpreter console' }).waitFor();
    const available = agent.getByRole('button', { name: 'Available' });
    if ((await available.getAttribute('aria-pressed')) !== 'true') await available.click();
    await until('the status to be available', async () => (await available.getAttribute('aria-pressed')) === 'true');
    await shot(agent, '02-agent-available');
  });

  await t.test('the requester asks for a Spanish video interpreter', async () => {
    await login(requester, REQUESTER);
    callId = await requestInterpreter(requester, { language: 'es', modality: 'Video', specialty: 'general' });
    assert.match(callId, /^[0-9a-f-]{36}$/);
    await requester.getByRole('heading', { name: 'Your call' }).waitFor();
    await requester.getByText(/^You are number \d+ in the queue$/).waitFor({ timeout: 15000 });
    await shot(requester, '03-requester-waiting');
  });

  await t.test('the offer rings for the interpreter, who accepts', async () => {
    const offer = agent.getByTestId('offer');
    await offer.waitFor({ timeout: 30000 });
    const seconds = Number(await agent.getByTestId('countdown').locator('.big').textContent());
    assert.ok(seconds > 0, `a visible countdown, got ${seconds}`);
    await shot(agent, '04-agent-offer');
    await agent.getByRole('button', { name: 'Accept' }).click();
    await agent.getByTestId('call-view').waitFor();
  });

  await t.test('both see the Jitsi iframe of the same room, from the configured domain', async () => {
    const agentToken = await apiLogin(AGENT);
    const room = await api(agentToken, 'GET', `/api/calls/${callId}/room`);
    assert.equal(room.status, 200, JSON.stringify(room.body));
    const { domain, room: name, jwt } = room.body;
    assert.ok(domain && name, 'the API names a domain and a room');
    const expected = `https://${domain}/${encodeURIComponent(name)}`;
    for (const [who, p] of [['agent', agent], ['requester', requester]]) {
      const frame = p.locator('.jitsi-frame iframe');
      await frame.waitFor({ timeout: 20000 });
      const src = await frame.getAttribute('src');
      assert.ok(src.startsWith(expected), `${who}'s iframe ${src} opens ${expected}`);
      if (jwt) assert.ok(src.includes('jwt=' + encodeURIComponent(jwt)), `${who}'s iframe carries the room token`);
      else assert.ok(!src.includes('jwt='), `${who}'s iframe has no token when the API gives none`);
      assert.equal(await p.getByTestId('room-name').textContent(), name);
      assert.equal(await p.getByTestId('room-domain').textContent(), domain);
    }
    await shot(agent, '05-agent-in-call');
    await shot(requester, '06-requester-in-call');
  });

  await t.test('the supervisor sees the call live, without reloading', async () => {
    const row = supervisor.getByTestId('calls-board').locator('tr', { hasText: callId.slice(-8) });
    await until('the call on the floor as connected', async () => (await row.count()) > 0 && /Connected/.test(await row.first().textContent()));
    await supervisor.getByTestId('agents-board').locator('tr', { hasText: 'Ana Agent' }).filter({ hasText: 'On call' }).waitFor();
    // Every figure on the floor agrees with the board below it: the "Available" tile counts
    // the rows whose status is Available (Ana, on a call, included); "Free now" those idle.
    await until('the tiles to agree with the agent board', async () => {
      const rows = await supervisor.getByTestId('agents-board').locator('tbody tr').evaluateAll(
        (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
      const available = rows.filter((cells) => cells[0] === 'Available');
      const free = available.filter((cells) => cells[2] === 'Idle');
      const onCall = rows.filter((cells) => cells[2] === 'On call');
      const tile = async (id) => Number(await supervisor.getByTestId(id).textContent());
      return available.length > 0 && onCall.length > 0
        && await tile('kpi-available') === available.length
        && await tile('kpi-free') === free.length
        && await tile('kpi-on-call') === onCall.length;
    });
    await shot(supervisor, '07-supervisor-call-live');
  });

  await t.test('the supervisor monitors the call in its room, muted', async () => {
    const row = supervisor.getByTestId('calls-board').locator('tr', { hasText: callId.slice(-8) });
    await row.getByRole('button', { name: 'Monitor' }).click();
    const frame = supervisor.locator('.monitor .jitsi-frame iframe');
    await frame.waitFor();
    const agentFrame = await agent.locator('.jitsi-frame iframe').getAttribute('src');
    assert.equal(await frame.getAttribute('src'), agentFrame, 'the same room as the interpreter');
    assert.equal(await supervisor.evaluate(() => window.__jitsiRooms[0].options.configOverwrite.startWithAudioMuted), true);
    await supervisor.getByText('Monitoring · muted').waitFor();
    await shot(supervisor, '07b-supervisor-monitoring');
    await supervisor.getByRole('button', { name: 'Stop monitoring' }).first().click();
    await frame.waitFor({ state: 'detached' });
  });

  await t.test('hold and resume', async () => {
    await agent.getByRole('button', { name: 'Hold' }).click();
    await agent.getByRole('button', { name: 'Resume' }).waitFor();
    await requester.getByText('on hold').first().waitFor();
    await agent.getByRole('button', { name: 'Resume' }).click();
    await agent.getByRole('button', { name: 'Hold' }).waitFor();
  });

  await t.test('leaving the room in Jitsi prompts the interpreter to end the call', async () => {
    await agent.evaluate(() => window.__jitsiRooms[0].fire('readyToClose'));
    await agent.getByRole('heading', { name: 'You left the video room' }).waitFor();
    await shot(agent, '08-agent-left-room');
    await agent.getByRole('button', { name: 'End the call' }).click();
    await agent.getByTestId('wrap-up').waitFor();
  });

  await t.test('the interpreter wraps up', async () => {
    await agent.getByLabel('Disposition').selectOption('completed');
    await agent.getByLabel('Notes (optional)').fill('Browser test: interpreted a short medical intake.');
    await shot(agent, '09-agent-wrap-up');
    await agent.getByRole('button', { name: 'Submit wrap-up' }).click();
    await agent.getByTestId('wrap-up').waitFor({ state: 'detached' });
    await agent.getByText('Waiting for the next call').waitFor();
    await shot(agent, '10-agent-after-wrap-up');
  });

  await t.test('the requester rates the call', async () => {
    await requester.getByRole('heading', { name: 'How was your interpreter?' }).waitFor();
    await requester.locator('label[for=star-5]').click();
    await requester.getByLabel('Comment (optional)').fill('Clear and kind.');
    await shot(requester, '11-requester-rating');
    await requester.getByRole('button', { name: 'Send rating' }).click();
    await requester.getByText('Thank you').waitFor();
  });

  await t.test('the supervisor replays the call history', async () => {
    await supervisor.goto(`${BASE_URL}/calls/${callId}/history`);
    const timeline = supervisor.getByTestId('timeline');
    await until('the whole story in the timeline', async () => {
      const text = await timeline.textContent();
      return ['Call requested', 'Call accepted', 'Call ended', 'Call wrapped up'].every((s) => text.includes(s)) && text;
    });
    await supervisor.getByTestId('state-at').waitFor();
    const status = supervisor.getByTestId('state-status');
    await until('the latest state', async () => /Wrapped up/.test(await status.textContent()));
    await shot(supervisor, '12-supervisor-replay-end');
    // Back to the first event: the call as it was when requested.
    await supervisor.locator('#scrub').fill('0');
    await until('the state at the request', async () => /^(Requested|Queued)$/.test((await status.textContent()).trim()));
    await shot(supervisor, '13-supervisor-replay-start');
    await supervisor.getByRole('link', { name: /whole floor at this instant/ }).click();
    await supervisor.getByTestId('floor-as-of').waitFor();
    await shot(supervisor, '14-supervisor-floor-at');
  });

  await t.test('the analyst sees the call counted', async () => {
    const analyst = await openPage(browser, 'analyst');
    await login(analyst, ANALYST);
    await analyst.getByRole('heading', { name: 'Analytics' }).waitFor();
    await until('the answered count to include the call', async () => {
      await analyst.getByRole('button', { name: 'Update' }).click();
      await analyst.waitForTimeout(500);
      const shown = Number(await analyst.getByTestId('kpi-answered').textContent());
      return shown >= answeredBefore + 1;
    }, { timeout: 30000 });
    await shot(analyst, '15-analyst-metrics');
    const [download] = await Promise.all([
      analyst.waitForEvent('download'),
      analyst.getByRole('button', { name: 'Export calls (CSV)' }).click(),
    ]);
    const csv = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString());
    assert.match(csv.split('\n')[0], /^call_id,/);
    assert.ok(csv.includes(callId), 'the export lists the call');
  });
});
