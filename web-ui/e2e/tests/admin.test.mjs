// Admin: "Edit" brings a queue's form into view and focuses it; the queue's members are
// picked from the interpreter accounts and saved.
// Starts from a running API (PARLEY_BASE_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, login, shot, apiLogin, api } from '../lib/harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the admin edits a queue and sees and saves its members', async () => {
  const token = await apiLogin('admin@example.com');
  const queues = (await api(token, 'GET', '/api/queues')).body;
  assert.ok(queues.length > 0, 'a queue to edit');
  const queue = queues[0];
  const agents = (await api(token, 'GET', '/api/users')).body.filter((u) => u.role === 'agent');

  const context = await newContext(browser);
  const page = await context.newPage();
  await login(page, 'admin@example.com');
  await page.getByRole('tab', { name: 'Queues' }).click();
  await page.getByRole('button', { name: `Edit ${queue.name}` }).click();
  // The form below the long table comes into view, with the focus in its first field.
  await page.getByRole('heading', { name: `Edit queue ${queue.name}` }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'q-name');
  const box = await page.locator('#q-name').boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height,
    `the name field is on screen (y=${box?.y}, viewport ${viewport.height})`);
  assert.equal(await page.locator('#q-name').inputValue(), queue.name);
  const members = page.getByTestId('queue-members');
  await members.getByRole('heading', { name: `Members of ${queue.name}` }).waitFor();
  const boxes = members.getByRole('checkbox');
  await boxes.first().waitFor();
  assert.equal(await boxes.count(), agents.length, 'one checkbox per interpreter account');
  for (const a of agents) {
    const box = members.getByLabel(`${a.name} (${a.email})`);
    assert.equal(await box.isChecked(), queue.members.includes(a.id), `${a.email} ticked as the queue says`);
  }
  await shot(page, 'admin-queue-members');
  // Saving what the queue already has changes nothing and says so.
  await members.getByRole('button', { name: 'Save members' }).click();
  await members.getByText(`Saved the members of ${queue.name}`).waitFor();
  const after = (await api(token, 'GET', '/api/queues')).body.find((q) => q.id === queue.id);
  assert.deepEqual([...after.members].sort(), [...queue.members].sort());
  await context.close();
});
