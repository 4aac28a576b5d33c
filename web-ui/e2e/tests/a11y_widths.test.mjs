// Issue 25 §4: every view at 320, 768 and 1024 px wide: no sideways scrolling, every
// control a 44 px target; a full-page screenshot of each (screenshots/width-<px>-<view>.png).
import { test, before, after } from 'node:test';
import { launch, shot } from '../lib/harness.mjs';
import { sidewaysOverflow, widestElements, smallTargets } from '../lib/a11y.mjs';
import { visitEveryView } from '../lib/views.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const width of [320, 768, 1024]) {
  test(`every view at ${width} px: no sideways scrolling, 44 px targets`, async () => {
    const failures = [];
    await visitEveryView(browser, { width, height: 900 }, async (page, name) => {
      await shot(page, `width-${width}-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      const overflow = await sidewaysOverflow(page);
      if (overflow > 0) failures.push(`${name}: scrolls ${overflow}px sideways (${(await widestElements(page)).join(', ')})`);
      const small = await smallTargets(page);
      if (small.length) failures.push(`${name}: targets under 44 px: ${small.join('; ')}`);
    });
    if (failures.length) throw new Error(failures.join('\n'));
  });
}

// Right to left (issue 25 §3): the same views in Arabic at the narrowest width, laid out
// with logical CSS properties; screenshots/width-320-ar-<view>.png.
test('every view in Arabic at 320 px: right to left, no sideways scrolling, 44 px targets', async () => {
  const failures = [];
  await visitEveryView(browser, { width: 320, height: 900 }, async (page, name) => {
    await shot(page, `width-320-ar-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    const dir = await page.evaluate(() => document.documentElement.dir);
    if (dir !== 'rtl') failures.push(`${name}: dir is ${dir}`);
    const overflow = await sidewaysOverflow(page);
    if (overflow > 0) failures.push(`${name}: scrolls ${overflow}px sideways (${(await widestElements(page)).join(', ')})`);
    const small = await smallTargets(page);
    if (small.length) failures.push(`${name}: targets under 44 px: ${small.join('; ')}`);
  }, { locale: 'ar' });
  if (failures.length) throw new Error(failures.join('\n'));
});
