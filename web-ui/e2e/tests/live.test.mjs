// Pushed rows are applied in place (docs/architecture.md, "What each path costs"): the floor
// and the console show N pushed changes without loading a list over REST again, and load
// each list once after the socket reconnects (a resync); the replay page loads its call
// again only for that call's own changes; the CSV export is downloaded by the browser.
//
// The tests count the page's own requests to the list endpoints (GET /api/queues,
// GET /api/agents, GET /api/calls) while changes are made over the API by the test.
// A forced reconnect closes the page's WebSocket (the page records the sockets it opens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, login, shot, apiLogin, api, until, park, unpark, BASE_URL, SHOTS } from '../lib/harness.mjs';

const SUPERVISOR = 'supervisor@example.com';
const AGENT = 'agent1@example.com';
const OTHER = 'agent2@example.com';
const REQUESTER = 'requester@example.com';
const ANALYST = 'analyst@example.com';
/// Pushed changes made in each test.
const N = 6;

// Every WebSocket the page opens, so a test can drop the connection.
const RECORD_SOCKETS = `
window.__sockets = [];
(function () {
  var Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();
`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A signed-in page whose GET requests to the API are counted by path. */
async function countedPage(name, email, path) {
  const page = await openPage(browser, name);
  await page.context().addInitScript(RECORD_SOCKETS);
  const seen = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (r.method() === 'GET' && url.pathname.startsWith('/api/')) seen.push(url.pathname);
  });
  await login(page, email);
  await page.goto(BASE_URL + path);
  await until('the live connection', async () => (await page.getByTestId('live-status').textContent()) === 'Live');
  // The first load and the one the connection's first "ready" asks for, then quiet.
  let before = -1;
  await until('the page to settle', async () => {
    const settled = seen.length === before;
    before = seen.length;
    return settled;
  }, { every: 1000 });
  const counts = () => {
    const n = (p) => seen.filter((s) => s === p).length;
    return { queues: n('/api/queues'), agents: n('/api/agents'), calls: n('/api/calls'), all: [...seen] };
  };
  const reset = () => { seen.length = 0; };
  return { page, counts, reset, seen };
}

async function dropConnection(page) {
  const closed = await page.evaluate(() => {
    const open = window.__sockets.filter((s) => s.readyState === 1);
    open.forEach((s) => s.close());
    return open.length;
  });
  assert.ok(closed >= 1, 'the page had its socket open');
}

async function agentRow(token, email) {
  const rows = (await api(token, 'GET', '/api/agents')).body;
  const row = rows.find((a) => a.email === email);
  assert.ok(row, `${email} on the board`);
  return row;
}

test('the floor applies pushed changes in place and reloads once after a reconnect', async (t) => {
  const supervisorToken = await apiLogin(SUPERVISOR);
  const requesterToken = await apiLogin(REQUESTER);
  const other = await agentRow(supervisorToken, OTHER);
  const { page, counts, reset } = await countedPage('floor', SUPERVISOR, '/floor');
  await page.getByTestId('agents-board').waitFor();
  reset();

  const row = page.getByTestId('agents-board').locator('tr', { hasText: 'Bilal Agent' });
  for (let i = 0; i < N; i += 1) {
    const status = i % 2 === 0 ? 'break' : 'available';
    const r = await api(supervisorToken, 'PUT', `/api/agents/${other.id}/status`, { status });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const label = status === 'break' ? 'On break' : 'Available';
    await until(`Bilal Agent shown ${label}`, async () => (await row.locator('td').nth(0).textContent()).includes(label));
  }
  // A call appears on the floor, is counted in its queue, and leaves when cancelled.
  const asked = await api(requesterToken, 'POST', '/api/calls', { language: 'ar', modality: 'video', priority: 'normal' });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const callId = asked.body.id;
  const callRow = page.getByTestId('calls-board').locator('tr', { hasText: callId.slice(-8) });
  await until('the new call on the floor', async () => (await callRow.count()) === 1);
  await until('the call counted as waiting', async () => Number(await page.getByTestId('kpi-waiting').textContent()) >= 1);
  await shot(page, 'live-01-floor-pushed-call');
  await api(requesterToken, 'POST', `/api/calls/${callId}/cancel`);
  await until('the cancelled call off the floor', async () => (await callRow.count()) === 0);

  const pushed = counts();
  t.diagnostic(`${N} status changes and a call: list loads queues=${pushed.queues} agents=${pushed.agents} calls=${pushed.calls}; other GETs: ${pushed.all.filter((p) => !['/api/queues', '/api/agents', '/api/calls'].includes(p)).length}`);
  assert.deepEqual([pushed.queues, pushed.agents, pushed.calls], [0, 0, 0], `no list reloaded: ${pushed.all.join(', ')}`);
  await shot(page, 'live-02-floor-after-pushes');

  reset();
  await dropConnection(page);
  await until('one load of each list after the reconnect', async () => {
    const c = counts();
    return c.queues >= 1 && c.agents >= 1 && c.calls >= 1;
  });
  await page.waitForTimeout(1500);
  const resynced = counts();
  t.diagnostic(`after a reconnect: queues=${resynced.queues} agents=${resynced.agents} calls=${resynced.calls}`);
  assert.deepEqual([resynced.queues, resynced.agents, resynced.calls], [1, 1, 1]);
  await until('live again', async () => (await page.getByTestId('live-status').textContent()) === 'Live');

  await api(supervisorToken, 'PUT', `/api/agents/${other.id}/status`, { status: other.status === 'break' ? 'break' : 'available' });
  await page.context().close();
});

test('the console applies pushed changes in place and reloads once after a reconnect', async (t) => {
  const supervisorToken = await apiLogin(SUPERVISOR);
  const me = await agentRow(supervisorToken, AGENT);
  const { page, counts, reset } = await countedPage('console', AGENT, '/console');
  await page.getByRole('heading', { name: 'Interpreter console' }).waitFor();
  reset();

  for (let i = 0; i < N; i += 1) {
    const status = i % 2 === 0 ? 'break' : 'offline';
    const r = await api(supervisorToken, 'PUT', `/api/agents/${me.id}/status`, { status });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await page.locator(`.seg-${status}[aria-pressed="true"]`).waitFor({ timeout: 10000 });
  }
  const pushed = counts();
  t.diagnostic(`${N} status changes: list loads agents=${pushed.agents} calls=${pushed.calls}`);
  assert.deepEqual([pushed.agents, pushed.calls], [0, 0], `no list reloaded: ${pushed.all.join(', ')}`);
  await shot(page, 'live-03-console-after-pushes');

  reset();
  await dropConnection(page);
  await until('one load of the desk after the reconnect', async () => {
    const c = counts();
    return c.agents >= 1 && c.calls >= 1;
  });
  await page.waitForTimeout(1500);
  const resynced = counts();
  t.diagnostic(`after a reconnect: agents=${resynced.agents} calls=${resynced.calls}`);
  assert.deepEqual([resynced.agents, resynced.calls], [1, 1]);

  if (me.status !== 'offline') await api(supervisorToken, 'PUT', `/api/agents/${me.id}/status`, { status: me.status === 'break' ? 'break' : 'available' });
  await page.context().close();
});

test('the replay page loads its call again only for that call', async (t) => {
  const requesterToken = await apiLogin(REQUESTER);
  const supervisorToken = await apiLogin(SUPERVISOR);
  // Nobody takes calls during the test: the shown call waits, unchanged, while others change.
  const parked = await park(supervisorToken, (await api(supervisorToken, 'GET', '/api/agents')).body
    .filter((a) => a.status === 'available'));
  t.after(() => unpark(supervisorToken, parked));
  const ask = async (language) => {
    const r = await api(requesterToken, 'POST', '/api/calls', { language, modality: 'video', priority: 'normal' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id;
  };
  const shown = await ask('es');
  const { page, seen, reset } = await countedPage('replay', SUPERVISOR, `/calls/${shown}/history`);
  await page.getByTestId('timeline').locator('li').first().waitFor();
  // The pushed frames the page receives, to know the other calls' changes reached it.
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await dropConnection(page); // from now on its socket is one the test listens to
  await until('live again', async () => (await page.getByTestId('live-status').textContent()) === 'Live');
  await page.waitForTimeout(1000);
  reset();

  const others = [];
  for (let i = 0; i < 3; i += 1) {
    const id = await ask('zh');
    others.push(id);
    await api(requesterToken, 'POST', `/api/calls/${id}/cancel`);
  }
  await until('the other calls\' changes pushed to the page', async () =>
    others.every((id) => frames.some((f) => f.includes(id) && f.includes('"abandoned"'))));
  await page.waitForTimeout(1000);
  const history = (id) => seen.filter((p) => p === `/api/calls/${id}/history`).length;
  const framesAboutOthers = frames.filter((f) => others.some((id) => f.includes(id))).length;
  t.diagnostic(`${framesAboutOthers} pushed messages about 3 other calls: history loads of the shown call=${history(shown)}, all GETs=${seen.length}`);
  assert.equal(seen.length, 0, `nothing loaded for other calls: ${seen.join(', ')}`);

  await api(requesterToken, 'POST', `/api/calls/${shown}/cancel`);
  await until('the shown call loaded again after its own change', async () => history(shown) >= 1);
  await until('the cancel on the timeline', async () => /cancel|abandon/i.test(await page.getByTestId('timeline').textContent()));
  t.diagnostic(`after the shown call changed: history loads=${history(shown)}`);
  await shot(page, 'live-04-replay-own-change');
  await page.context().close();
});

test('the CSV export is downloaded by the browser', async (t) => {
  const analystToken = await apiLogin(ANALYST);
  const page = await openPage(browser, 'analyst');
  const exports = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/calls/export.csv') exports.push(r.url()); });
  await login(page, ANALYST);
  await page.goto(BASE_URL + '/analytics');
  await page.getByRole('heading', { name: 'Analytics' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export calls (CSV)' }).click(),
  ]);
  const file = join(SHOTS, 'live-export.csv');
  await download.saveAs(file);
  const text = readFileSync(file, 'utf8');
  const from = new Date(); from.setUTCHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + 86400000);
  const direct = await fetch(`${BASE_URL}/api/calls/export.csv?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
    { headers: { authorization: 'Bearer ' + analystToken } });
  assert.equal(direct.status, 200);
  const expected = await direct.text();
  const lines = text.trim().split('\n');
  const expectedLines = expected.trim().split('\n');
  t.diagnostic(`downloaded ${download.suggestedFilename()}: ${text.length} bytes, ${lines.length - 1} calls (the API: ${expectedLines.length - 1}); export requests: ${exports.length}`);
  assert.match(download.suggestedFilename(), /^parley-calls-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.equal(lines[0], expectedLines[0], 'the header row');
  assert.ok(lines[0].startsWith('call_id,'), lines[0]);
  assert.equal(lines.length, expectedLines.length, 'as many calls as the API exports');
  assert.deepEqual(lines.map((l) => l.split(',')[0]).sort(), expectedLines.map((l) => l.split(',')[0]).sort());
  assert.equal(exports.length, 1, 'one request');
  await page.getByText(/Saved parley-calls-.* \(\d+(\.\d)? (B|KB|MB)\)\./).waitFor();
  await shot(page, 'live-05-export-saved');
  await page.context().close();
});
