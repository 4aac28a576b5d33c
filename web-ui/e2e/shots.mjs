// Screenshots of every role's home (npm run shots): a quick look at the UI.
import { launch, newContext, login, shot, BASE_URL } from './lib/harness.mjs';

const roles = [
  ['requester@example.com', 'requester', '/request'],
  ['agent1@example.com', 'agent', '/console'],
  ['supervisor@example.com', 'supervisor', '/floor'],
  ['analyst@example.com', 'analyst', '/analytics'],
  ['admin@example.com', 'admin', '/admin'],
];
const only = process.argv.slice(2);
const browser = await launch();
try {
  const context = await newContext(browser);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').waitFor();
  await shot(page, 'login');
  for (const [email, name, path] of roles) {
    if (only.length && !only.includes(name)) continue;
    await login(page, email);
    await page.waitForTimeout(1500);
    await shot(page, name + '-home');
    console.log('shot', name, page.url());
    await page.getByRole('button', { name: 'Sign out' }).click();
  }
  // tablet width
  await page.setViewportSize({ width: 820, height: 1100 });
  await login(page, 'supervisor@example.com');
  await page.waitForTimeout(1500);
  await shot(page, 'supervisor-tablet');
} finally {
  await browser.close();
}
