// Issue 25 §2: axe-core (WCAG 2.x A and AA) on every view; any violation fails. The
// console's offer, call and wrap-up and the requester's call and rating are checked in
// a11y_interpreter and a11y_requester, at each stage of their flows.
import { test, before, after } from 'node:test';
import { launch } from '../lib/harness.mjs';
import { assertNoAxeViolations } from '../lib/a11y.mjs';
import { visitEveryView } from '../lib/views.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('axe-core finds no violation on any view', async () => {
  const failures = [];
  await visitEveryView(browser, { width: 1366, height: 900 }, async (page, name) => {
    try { await assertNoAxeViolations(page, name); } catch (e) { failures.push(e.message); }
  });
  if (failures.length) throw new Error(failures.join('\n\n'));
});
