// Matching (issue 17) through the UI: the admin creates an organisation and a requester in
// it, and gives a new interpreter a German↔Arabic pair, a certification and a gender (which
// puts her on the interpreters' board); the supervisor bans one interpreter and prefers the
// new one, and the policy history names both; the admin adds a widening step to the pair
// queue; the requester asks with requirements; the
// supervisor sees the call widened on the floor, its timeline, and asks the routing panel.
// Everything it changes on shared demo data (the pair queue) is put back at the end; what it
// creates (organisation, accounts) has names of its own.
// Starts from a running API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, login, shot, apiLogin, api, until } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const QUEUE_FIELDS = ['name', 'languages', 'specialty', 'modality', 'strategy', 'min_proficiency',
  'ring_timeout_s', 'max_wait_s', 'overflow_queue_id', 'wrap_up_s', 'service_level_s', 'precedence',
  'source_language', 'widening'];
const settingsOf = (q) => Object.fromEntries(QUEUE_FIELDS.filter((k) => q[k] !== null && q[k] !== undefined).map((k) => [k, q[k]]));

test('organisations, policies, pairs, widening, requirements and the routing panel', async () => {
  const stamp = Date.now().toString(36);
  const orgName = `Lakeside Clinic ${stamp}`;
  const requester = { name: `Rae Requester ${stamp}`, email: `rae.${stamp}@example.com`, password: 'matching-pass-1' };
  const interpreter = { name: `Mira Interpreter ${stamp}`, email: `mira.${stamp}@example.com` };
  const admin = await apiLogin('admin@example.com');
  const created = await api(admin, 'POST', '/api/users',
    { ...interpreter, role: 'agent', password: 'matching-pass-2' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const miraId = created.body.id;
  const pairQueue = (await api(admin, 'GET', '/api/queues')).body.find((q) => q.source_language === 'de');
  assert.ok(pairQueue, 'the demo has a German ↔ Arabic queue');
  let callId;
  let requesterToken;

  try {
    // --- Admin: an organisation, and a requester in it.
    const adminPage = await openPage(browser, 'admin');
    await login(adminPage, 'admin@example.com');
    await adminPage.getByRole('link', { name: 'Organisations' }).click();
    await adminPage.getByLabel('Organisation name').fill(orgName);
    await adminPage.getByRole('button', { name: 'Create organisation' }).click();
    await adminPage.getByText(`Created ${orgName}.`).waitFor();
    await adminPage.getByTestId('organisations').getByRole('rowheader', { name: orgName }).waitFor();
    await shot(adminPage, 'matching-organisations');
    const org = (await api(admin, 'GET', '/api/organisations')).body.find((o) => o.name === orgName);
    assert.ok(org, 'the organisation is listed by the API');

    await adminPage.getByRole('link', { name: 'Administration' }).click();
    await adminPage.getByLabel('Name', { exact: true }).fill(requester.name);
    await adminPage.getByLabel('Email').fill(requester.email);
    await adminPage.getByLabel('Role', { exact: true }).selectOption('requester');
    await adminPage.getByLabel('Organisation').selectOption({ label: orgName });
    await adminPage.getByLabel('Initial password').fill(requester.password);
    await shot(adminPage, 'matching-new-requester');
    await adminPage.getByRole('button', { name: 'Create account' }).click();
    await adminPage.getByText(`Created ${requester.email} (Requester).`).waitFor();
    const row = (await api(admin, 'GET', '/api/users')).body.find((u) => u.email === requester.email);
    assert.equal(row.organisation_id, org.id, 'the requester belongs to the organisation');

    // --- Admin: Mira's German↔Arabic pair, a certification, her gender.
    await adminPage.getByRole('tab', { name: 'Interpreter skills' }).click();
    await adminPage.getByLabel('Interpreter', { exact: true }).selectOption({ label: `${interpreter.name} (${interpreter.email})` });
    await adminPage.getByRole('button', { name: '+ Add a language pair' }).click();
    await adminPage.locator('#s-pair-from-0').fill('de');
    await adminPage.locator('#s-pair-to-0').fill('ar');
    await adminPage.locator('#s-pair-level-0').selectOption('5');
    await adminPage.locator('#s-certs').fill('court');
    await adminPage.locator('#s-certs').press('Enter');
    await adminPage.getByRole('button', { name: 'Save skills' }).click();
    await adminPage.getByText('Skills saved.').waitFor();
    await adminPage.getByLabel('Gender').selectOption('female');
    await adminPage.getByRole('button', { name: 'Save profile' }).click();
    await adminPage.getByText('Profile saved.').waitFor();
    await until('Mira\'s row shows the pair, certification and gender', async () =>
      (await adminPage.getByText('de↔ar (5) · court · Female').count()) > 0);
    await shot(adminPage, 'matching-skills');
    const mira = (await api(admin, 'GET', '/api/agents')).body.find((a) => a.id === miraId);
    assert.deepEqual(mira.pairs, [{ from: 'de', to: 'ar', proficiency: 5 }]);
    assert.deepEqual(mira.certifications, ['court']);
    assert.equal(mira.gender, 'female');

    // --- Supervisor: ban Ana, a refused save (Ana both preferred and banned), prefer Mira.
    const sup = await openPage(browser, 'supervisor');
    await login(sup, 'supervisor@example.com');
    await sup.getByRole('link', { name: 'Organisations' }).click();
    await sup.getByRole('link', { name: `Open ${orgName}` }).click();
    await sup.getByRole('heading', { name: orgName }).waitFor();
    await sup.locator('#pol-banned option', { hasText: 'Ana Agent' }).waitFor({ state: 'attached' });
    await sup.locator('#pol-banned').selectOption({ label: 'Ana Agent' });
    await sup.locator('#pol-banned + button').click();
    await sup.getByRole('button', { name: 'Save policy' }).click();
    await sup.getByText('Policy saved.').waitFor();
    await sup.locator('#pol-preferred').selectOption({ label: 'Ana Agent' });
    await sup.locator('#pol-preferred + button').click();
    await sup.getByRole('button', { name: 'Save policy' }).click();
    await sup.getByRole('alert').filter({ hasText: 'both preferred and banned' }).waitFor();
    await shot(sup, 'matching-policy-refused');
    await sup.getByRole('list', { name: 'Preferred interpreters' }).getByRole('button', { name: 'Remove Ana Agent' }).click();
    await sup.locator('#pol-preferred').selectOption({ label: interpreter.name });
    await sup.locator('#pol-preferred + button').click();
    await sup.getByLabel('Preferred wait (seconds)').fill('20');
    await sup.getByRole('button', { name: 'Save policy' }).click();
    await sup.getByText('Policy saved.').waitFor();
    const history = sup.getByTestId('policy-history');
    await history.getByText('Added to banned interpreters: Ana Agent').waitFor();
    await history.getByText(`Added to preferred interpreters: ${interpreter.name}`).waitFor();
    await history.getByText('Preferred wait: 0s → 20s').waitFor();
    assert.equal(await history.getByText('by Sam Supervisor (supervisor)').count(), 2, 'two changes, each with its actor');
    await shot(sup, 'matching-policy-history');
    const policy = (await api(admin, 'GET', `/api/organisations/${org.id}/policy`)).body;
    assert.deepEqual(policy.preferred_agent_ids, [miraId]);
    assert.equal(policy.banned_agent_ids.length, 1);

    // --- Admin: the pair queue widens after 5 s, then a second step lowers proficiency.
    await adminPage.getByRole('tab', { name: 'Queues' }).click();
    await adminPage.getByRole('button', { name: `Edit ${pairQueue.name}` }).click();
    assert.equal(await adminPage.locator('#q-source').inputValue(), 'de');
    await adminPage.locator('#w-after-0').fill('5');
    await adminPage.getByRole('button', { name: '+ Add a widening step' }).click();
    await adminPage.locator('#w-after-1').fill('240');
    await adminPage.locator('#w-prof-1').selectOption('1');
    await adminPage.getByRole('group', { name: 'Widening step 2' }).getByLabel('Drop specialty').check();
    await shot(adminPage, 'matching-queue-widening');
    await adminPage.getByRole('button', { name: 'Save changes' }).click();
    await adminPage.getByText(`Saved queue ${pairQueue.name}.`).waitFor();
    const widened = (await api(admin, 'GET', '/api/queues')).body.find((q) => q.id === pairQueue.id);
    assert.equal(widened.widening.length, 2);
    assert.equal(widened.widening[0].after_s, 5);
    assert.equal(widened.widening[1].min_proficiency, 1);

    // --- Requester: Arabic from German, a female court-certified interpreter.
    const req = await openPage(browser, 'requester');
    await login(req, requester.email, requester.password);
    await req.getByLabel('Language', { exact: true }).selectOption('ar');
    await req.locator('#req-source option[value="de"]').waitFor({ state: 'attached' });
    await req.getByLabel('Your language').selectOption('de');
    await req.getByText('Requirements (optional)').click();
    await req.getByLabel('Interpreter\'s gender').selectOption('female');
    await req.locator('#req-certs').fill('court');
    await req.locator('#req-certs').press('Enter');
    await shot(req, 'matching-request');
    await req.getByRole('button', { name: 'Request interpreter' }).click();
    await req.waitForURL(/\/my-calls\//);
    callId = req.url().split('/my-calls/')[1];
    requesterToken = await apiLogin(requester.email, requester.password);

    // --- Supervisor: the floor shows the call widened, with its organisation.
    await sup.getByRole('link', { name: 'Live floor' }).click();
    const callRow = sup.getByTestId('calls-board').locator('tr', { hasText: callId.slice(-8) });
    await callRow.getByText('widened to step 1').waitFor({ timeout: 30000 });
    await callRow.getByText(orgName).waitFor();
    await shot(sup, 'matching-floor-widened');

    // The call's page: the widening in words, and the routing panel about Ana.
    await callRow.getByRole('link', { name: callId.slice(-8) }).click();
    await sup.getByTestId('widened').first().waitFor();
    const widenedText = await sup.getByTestId('widened').first().innerText();
    assert.match(widenedText, new RegExp(`Widened to step 1 in ${pairQueue.name}: after 5s`));
    await sup.getByText(`organisation ${orgName}`).waitFor();
    await sup.getByLabel('Interpreter', { exact: true }).selectOption({ label: 'Ana Agent' });
    sup.on('response', (r) => { if (r.url().includes('/routing')) console.log(`routing answered ${r.status()}`); });
    // Clicked in the page: the timeline above may still grow as the call's events arrive.
    await sup.getByRole('button', { name: 'Explain' }).evaluate((b) => b.click());
    const panel = sup.getByTestId('routing-panel');
    try {
      await until('the routing panel answers (an explanation or the server\'s error)', async () =>
        (await panel.getByTestId('routing-answer').count()) + (await panel.getByRole('alert').count()) > 0);
    } finally {
      await panel.scrollIntoViewIfNeeded();
      await shot(sup, 'matching-call-routing');
    }
    const panelText = await panel.innerText();
    if (await panel.getByTestId('routing-answer').count()) {
      assert.match(panelText, /Ana Agent was (not )?offered this call/);
    } else {
      assert.match(panelText, /could not explain the routing: ./, 'the server\'s message is shown');
    }
  } finally {
    if (callId && requesterToken) await api(requesterToken, 'POST', `/api/calls/${callId}/cancel`);
    const restored = await api(admin, 'PUT', `/api/queues/${pairQueue.id}`, settingsOf(pairQueue));
    assert.ok(restored.status < 300, `the pair queue is put back: ${JSON.stringify(restored.body)}`);
  }
});
