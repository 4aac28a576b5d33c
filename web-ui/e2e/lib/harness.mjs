// Shared helpers for the browser tests: Debian's chromium through playwright-core, a local
// stand-in for Jitsi's IFrame API (no internet in tests), logins and screenshots.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = (process.env.PARLEY_BASE_URL || 'http://localhost:8000').replace(/\/$/, '');
export const PASSWORD = process.env.PARLEY_DEMO_PASSWORD || 'password123';
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

// A stand-in for https://<domain>/external_api.js: it makes the iframe the real API would
// (https://<domain>/<room>?jwt=…) and lets a test fire the conference's events.
const JITSI_STUB = `
window.__jitsiRooms = window.__jitsiRooms || [];
window.JitsiMeetExternalAPI = function (domain, options) {
  var self = this;
  var listeners = {};
  var src = 'https://' + domain + '/' + encodeURIComponent(options.roomName) + (options.jwt ? '?jwt=' + encodeURIComponent(options.jwt) : '');
  var frame = document.createElement('iframe');
  frame.src = src;
  frame.name = 'jitsiConferenceFrame0';
  frame.setAttribute('allow', 'camera; microphone; display-capture');
  frame.setAttribute('data-stub', 'jitsi');
  frame.style.width = '100%';
  frame.style.height = '100%';
  options.parentNode.appendChild(frame);
  self.domain = domain;
  self.options = options;
  self.addListener = function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); };
  self.removeListener = function () {};
  self.executeCommand = function () {};
  self.fire = function (name) { (listeners[name] || []).forEach(function (fn) { fn({}); }); };
  self.dispose = function () { frame.remove(); window.__jitsiRooms = window.__jitsiRooms.filter(function (r) { return r !== self; }); };
  window.__jitsiRooms.push(self);
  setTimeout(function () { self.fire('videoConferenceJoined'); }, 50);
};
`;

function roomPage(url) {
  const u = new URL(url);
  const room = decodeURIComponent(u.pathname.slice(1));
  return `<!doctype html><html><body style="margin:0;font-family:sans-serif;background:#1f2937;color:#e5e7eb;display:flex;align-items:center;justify-content:center;height:100vh">
    <div style="text-align:center"><div style="font-size:14px;opacity:.7">Jitsi stand-in (tests run offline)</div>
    <div style="font-size:20px;margin-top:6px">${u.host} / ${room}</div>
    <div style="font-size:12px;opacity:.6;margin-top:6px">${u.searchParams.has('jwt') ? 'with a room token' : 'no token'}</div></div></body></html>`;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, ...options });
  // Everything outside the app's own origin is Jitsi's: served locally.
  await context.route((url) => !url.href.startsWith(BASE_URL), (route) => {
    const url = route.request().url();
    if (url.endsWith('/external_api.js')) {
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: JITSI_STUB });
    }
    return route.fulfill({ status: 200, contentType: 'text/html', body: roomPage(url) });
  });
  return context;
}

// window.confirm answers "yes" in the page itself and records each question in
// window.__confirmed. A native dialog blocks the page's event loop until the test's
// handler answers it over the protocol, and Chromium can close it first: CI once saw
// "dialog.accept: No dialog is showing", the transfer never sent, and a test timing out.
const ANSWER_CONFIRMS = `
window.__confirmed = [];
window.confirm = function (question) { window.__confirmed.push(String(question)); return true; };
`;

/** A page in a fresh context of its own (its own session), confirmations answered "yes",
 * page errors printed under `name`. */
export async function openPage(browser, name) {
  const context = await newContext(browser);
  await context.addInitScript(ANSWER_CONFIRMS);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[${name}] console: ${m.text()}`); });
  return page;
}

/** The questions the page asked with window.confirm (each answered "yes"), in order. */
export async function confirmsAsked(page) {
  return page.evaluate(() => window.__confirmed);
}

export async function login(page, email, password = PASSWORD) {
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Fills the requester's form (language code, the modality's label, specialty), sends it, and
 * returns the new call's id from the waiting screen's address. */
export async function requestInterpreter(page, { language, modality, specialty }) {
  await page.getByLabel('Language', { exact: true }).selectOption(language);
  await page.getByLabel(modality).check();
  await page.getByLabel('Specialty').selectOption(specialty);
  await page.getByRole('button', { name: 'Request interpreter' }).click();
  await page.waitForURL(/\/my-calls\//);
  return page.url().split('/my-calls/')[1];
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

/// Logs in over the API (for setup steps the test does not drive through the UI).
export async function apiLogin(email, password = PASSWORD) {
  const r = await fetch(BASE_URL + '/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  if (!r.ok) throw new Error(`login ${email}: ${r.status} ${await r.text()}`);
  return (await r.json()).access_token;
}

export async function api(token, method, path, body) {
  const r = await fetch(BASE_URL + path, {
    method,
    headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Leaves the interpreter (their row on the agents board) free: a call an earlier run left
 * them on is ended and wrapped up, an offer ringing for them declined. */
export async function freeInterpreter(agentToken, row) {
  if (row.current_call_id && row.activity === 'on_call') {
    await api(agentToken, 'POST', `/api/calls/${row.current_call_id}/end`);
  }
  if (row.current_call_id && ['on_call', 'wrap_up'].includes(row.activity)) {
    await api(agentToken, 'POST', `/api/calls/${row.current_call_id}/wrap-up`, { disposition: 'completed' });
  }
  if (row.offer_call_id) await api(agentToken, 'POST', `/api/calls/${row.offer_call_id}/decline`);
}

/** Puts the interpreters of `rows` on break; returns the ids of those it did, for
 * `unpark` after the test. */
export async function park(supervisorToken, rows) {
  const parked = [];
  for (const a of rows) {
    const r = await api(supervisorToken, 'PUT', `/api/agents/${a.id}/status`, { status: 'break' });
    if (r.status === 202) parked.push(a.id);
  }
  return parked;
}

/** Makes the interpreters `park` put on break available again. */
export async function unpark(supervisorToken, ids) {
  for (const id of ids) await api(supervisorToken, 'PUT', `/api/agents/${id}/status`, { status: 'available' });
}

/** Waits until `fn` returns a truthy value, polling every `every` ms (for assertions only,
 * never to drive the app); a throw counts as "not yet". */
export async function until(what, fn, { timeout = 20000, every = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}
