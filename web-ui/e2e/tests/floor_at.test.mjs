// The floor at an instant, opened from the navigation (no ?at= in the URL): it loads the
// floor once, not in a loop; what the user types in the time field stays there; Show and
// the step buttons work, and the page ends on the answer for the last instant asked.
// Starts from a running API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, shot, BASE_URL, until as waitUntil } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const until = (what, fn, timeout = 15000) => waitUntil(what, fn, { timeout, every: 200 });

test('the floor at an instant, opened from the navigation, loads once and keeps what is typed', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const floorRequests = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/floor') floorRequests.push(r.url()); });
  await login(page, 'supervisor@example.com');
  await page.getByRole('link', { name: 'Floor at…' }).click();
  await page.getByRole('heading', { name: 'The floor at an instant' }).waitFor();
  await page.getByTestId('floor-as-of').waitFor();
  assert.ok(!page.url().includes('at='), `opened without ?at= (${page.url()})`);

  // Left alone for 5 s, the page asks once (a render loop asked about 40 times a second).
  await page.waitForTimeout(5000);
  assert.ok(floorRequests.length >= 1 && floorRequests.length <= 2,
    `GET /api/floor ${floorRequests.length} times in 5 s: ${floorRequests.slice(0, 5).join(', ')}`);

  // What the user types stays, and Show is enabled.
  const input = page.locator('#floor-at');
  const typed = await page.evaluate(() => {
    const t = new Date(Date.now() - 90_000);
    const p = (n) => String(n).padStart(2, '0');
    return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
  });
  await input.fill(typed);
  await page.waitForTimeout(1500);
  // Chromium reads back a whole minute without its seconds ("…T08:24" for "…T08:24:00"),
  // so the field is compared as an instant, not as text.
  const shown = await input.inputValue();
  assert.equal(new Date(shown).getTime(), new Date(typed).getTime(),
    `the typed instant is not overwritten (typed ${typed}, shown ${shown})`);
  const show = page.getByRole('button', { name: 'Show' });
  assert.ok(await show.isEnabled(), 'Show is enabled');
  const before = floorRequests.length;
  await show.click();
  await page.waitForURL(/[?&]at=/);
  const asOf = page.getByTestId('floor-as-of');
  await until('the floor as of the typed instant', async () =>
    (await asOf.textContent()).startsWith(await asOfText(page, typed)));
  await page.waitForTimeout(1000);
  assert.equal(floorRequests.length, before + 1, 'Show asks once');

  // Several steps in a row: the page ends on the last instant asked, whatever order the
  // answers come back in, and the field shows that same instant.
  for (let i = 0; i < 3; i += 1) await page.getByRole('button', { name: '−10 s' }).click();
  const last = await input.inputValue();
  const expected = new Date(new Date(typed).getTime() - 30_000);
  assert.equal(new Date(last).getTime(), expected.getTime(), `three steps back from ${typed}: ${last}`);
  const lastText = await asOfText(page, last);
  await until('the floor as of the last step', async () =>
    (await asOf.textContent()).startsWith(lastText));
  await page.waitForTimeout(1000);
  assert.equal(await input.inputValue(), last, 'the field still shows the last step');
  assert.ok((await asOf.textContent()).startsWith(lastText), 'no older answer came after');
  assert.ok(floorRequests.length <= before + 1 + 3 + 1, `${floorRequests.length - before} requests for Show and three steps`);
  await shot(page, 'floor-at-from-nav');
  await context.close();
});

/** "As of <the instant>" as the page writes it: the local `datetime-local` value through
 * the browser's Intl, with format.rs's options for a date and time (issue 25 §3). */
async function asOfText(page, localValue) {
  const when = await page.evaluate((value) => new Intl.DateTimeFormat('en', {
    year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(value)), localValue);
  return `As of ${when}`;
}
