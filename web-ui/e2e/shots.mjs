// Screenshots of every role's pages (npm run shots): a quick look at the UI, at laptop and
// tablet widths. Needs a running API (PARLEY_BASE_URL).
import { launch, newContext, login, shot, BASE_URL } from './lib/harness.mjs';

const browser = await launch();
try {
  const context = await newContext(browser);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  const settle = () => page.waitForTimeout(1200);
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').waitFor();
  await shot(page, 'login');

  for (const [email, name] of [['requester@example.com', 'requester'], ['agent1@example.com', 'agent'],
    ['supervisor@example.com', 'supervisor'], ['analyst@example.com', 'analyst'], ['admin@example.com', 'admin']]) {
    await login(page, email);
    await settle();
    await shot(page, name + '-home');
    if (name === 'supervisor') {
      await page.getByRole('link', { name: 'Call history' }).click();
      await settle();
      await shot(page, 'supervisor-calls');
    }
    if (name === 'analyst') {
      await page.getByLabel('Group by').selectOption('agent');
      await settle();
      await shot(page, 'analyst-by-agent');
    }
    if (name === 'admin') {
      await page.getByRole('tab', { name: 'Queues' }).click();
      await settle();
      await page.getByRole('button', { name: /^Edit / }).first().click();
      await shot(page, 'admin-queues');
      await page.getByRole('tab', { name: 'Interpreter skills' }).click();
      await settle();
      await page.getByRole('button', { name: 'Edit skills' }).first().click();
      await settle();
      await shot(page, 'admin-skills');
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
  }

  await page.setViewportSize({ width: 820, height: 1180 });
  for (const [email, name] of [['supervisor@example.com', 'supervisor'], ['agent1@example.com', 'agent'], ['requester@example.com', 'requester']]) {
    await login(page, email);
    await settle();
    await shot(page, name + '-tablet');
    await page.getByRole('button', { name: 'Sign out' }).click();
  }
} finally {
  await browser.close();
}
