// Many queues with long names: the request form offers their languages by name, and the
// analyst's "Calls by group" chart at tablet width (768 px) shows each name whole, in its
// own row, in readable text.
//
// Starts from a running API with the demo accounts (PARLEY_BASE_URL). It creates eight
// queues named "E2E long queue name …" once (kept: queues cannot be deleted), asks one
// call in each queue's language and cancels it, so every queue has a row in today's metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, shot, apiLogin, api, until as waitUntil } from '../lib/harness.mjs';

const LANGUAGES = [['fr', 'French'], ['de', 'German'], ['it', 'Italian'], ['pt', 'Portuguese'],
  ['ru', 'Russian'], ['ja', 'Japanese'], ['ko', 'Korean'], ['vi', 'Vietnamese']];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const until = (what, fn, timeout = 30000) => waitUntil(what, fn, { timeout, every: 500 });

test('many long queue names: languages by name in the request form, chart labels readable at 768 px', async (t) => {
  const admin = await apiLogin('admin@example.com');
  const requesterToken = await apiLogin('requester@example.com');
  const existing = (await api(admin, 'GET', '/api/queues')).body;
  const names = [];
  for (const [code, language] of LANGUAGES) {
    const name = `E2E long queue name for ${language} interpreting`;
    names.push(name);
    if (!existing.some((q) => q.name === name)) {
      const r = await api(admin, 'POST', '/api/queues', {
        name, languages: [code], strategy: 'longest_idle', min_proficiency: 1,
        ring_timeout_s: 20, max_wait_s: 300, wrap_up_s: 30, service_level_s: 30,
      });
      assert.ok([201, 202].includes(r.status), `create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  // The form reads the queues once, as it opens: wait until the queues' read model holds
  // the new ones (a 202 is not a read), or a busy machine opens it too early.
  await until('the new queues on the board', async () => {
    const board = (await api(requesterToken, 'GET', '/api/queues')).body ?? [];
    return names.every((name) => board.some((q) => q.name === name));
  });

  await t.test('the request form offers the queues\' languages, by name', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, 'requester@example.com');
    const select = page.getByLabel('Language');
    await until('the queues\' languages in the list', async () => (await select.locator('option').count()) >= 4 + LANGUAGES.length);
    const options = await select.locator('option').allTextContents();
    for (const [code, language] of [['es', 'Spanish'], ['ase', 'American Sign Language'], ...LANGUAGES]) {
      assert.ok(options.includes(`${language} (${code})`), `${language} (${code}) in ${options.join(', ')}`);
    }
    await context.close();
  });

  // One call in each new queue, cancelled at once: each queue gets a row in the metrics.
  for (const [code] of LANGUAGES) {
    const r = await api(requesterToken, 'POST', '/api/calls', { language: code, modality: 'video', priority: 'normal' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await until(`call ${r.body.id} routed`, async () => {
      const call = (await api(requesterToken, 'GET', `/api/calls/${r.body.id}`)).body;
      return call?.queue_id || !['new', 'requested'].includes(call?.status ?? 'new');
    }, 15000);
    await api(requesterToken, 'POST', `/api/calls/${r.body.id}/cancel`);
  }

  await t.test('the analyst\'s bar chart labels do not overlap at tablet width', async () => {
    const context = await newContext(browser, { viewport: { width: 768, height: 1024 } });
    const page = await context.newPage();
    await login(page, 'analyst@example.com');
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    const chart = page.locator('figure.chart').filter({ hasText: 'Calls by group' });
    const labels = chart.locator('.hbar-label');
    await until('a row for each new queue', async () => {
      await page.getByRole('button', { name: 'Update' }).click();
      await page.waitForTimeout(700);
      const shown = await labels.allTextContents();
      return names.every((n) => shown.includes(n));
    });
    // One row a group: the names are text (whole, as a tooltip too), in rows that do not
    // overlap, at a readable size.
    const rows = await labels.evaluateAll((els) => els.map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent, title: el.title, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
        font: parseFloat(getComputedStyle(el).fontSize) };
    }));
    for (let i = 0; i < rows.length; i += 1) {
      assert.equal(rows[i].title, rows[i].text, 'the whole name as a tooltip');
      assert.ok(rows[i].font >= 12, `"${rows[i].text}" at ${rows[i].font} px`);
      assert.ok(rows[i].right <= 768, `"${rows[i].text}" within the window`);
      if (i > 0) assert.ok(rows[i - 1].bottom <= rows[i].top, `"${rows[i - 1].text}" and "${rows[i].text}" overlap`);
    }
    t.diagnostic(`${rows.length} rows, label text ${rows[0].font} px`);
    await chart.scrollIntoViewIfNeeded();
    await shot(page, 'analytics-many-queues-768');
    await context.close();
  });
});
