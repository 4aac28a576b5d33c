// Accessibility helpers for the browser tests (issue 25): axe-core on a page, colour
// contrast as WCAG computes it, sideways scrolling, touch-target sizes, and Tab-only
// navigation.
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { api, apiLogin } from './harness.mjs';

// The WCAG 2.0, 2.1 and 2.2 A and AA rules: what the outside audit checked.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe-core on the page as it is; any violation fails, listed with its nodes. */
export async function assertNoAxeViolations(page, view) {
  // Jitsi's room is a third-party frame (a stand-in here): not ours to audit.
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).exclude('.jitsi-frame').analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` +
    v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n'));
  assert.equal(found.length, 0, `axe-core on ${view}:\n  ${found.join('\n  ')}`);
}

/** "rgb(r, g, b)" or "rgba(…)" → [r, g, b]. */
export function parseColor(css) {
  const m = css.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/);
  assert.ok(m, `a colour: ${css}`);
  return m.slice(1, 4).map(Number);
}

function luminance([r, g, b]) {
  const lin = (c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG's contrast ratio of two CSS colours. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(parseColor(a)), luminance(parseColor(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The first opaque background behind `element`, walking up the tree (CSS text). */
export async function backgroundBehind(locator) {
  return locator.evaluate((el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  });
}

/** How far the page scrolls sideways (0 when it does not). */
export async function sidewaysOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The elements wider than the viewport, for a failure message. */
export async function widestElements(page) {
  return page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      // What a table's own scrolling box holds is not the page's overflow, unless it is
      // positioned out of that box.
      .filter((e) => e.getBoundingClientRect().right > limit + 1
        && (!e.parentElement?.closest('.table-wrap') || ['absolute', 'fixed'].includes(getComputedStyle(e).position)))
      .slice(-6).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`);
  });
}

/** Controls whose target is under `min` px in width or height. A checkbox or radio
 * counts by its label (the label is what a finger presses); a link inside a sentence is
 * exempt (WCAG 2.5.5's inline exception). */
export async function smallTargets(page, min = 44) {
  return page.evaluate((min) => {
    const out = [];
    const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
    for (const e of document.querySelectorAll('a[href], button, input, select, textarea, summary, [role=tab]')) {
      if (e.closest('.sr-only, .skip, .jitsi-frame, [hidden]')) continue;
      let target = e;
      if (e.type === 'checkbox' || e.type === 'radio') {
        target = e.closest('label') || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e;
      } else if (e.type === 'hidden') {
        continue;
      }
      if (!visible(target)) continue;
      if (e.tagName === 'A' && e.parentElement && ['P', 'LI', 'SPAN', 'DD', 'TD'].includes(e.parentElement.tagName)
        && e.parentElement.textContent.trim() !== e.textContent.trim()) continue;
      const r = target.getBoundingClientRect();
      if (r.width < min - 0.5 || r.height < min - 0.5) {
        out.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${(e.textContent || e.getAttribute('aria-label') || e.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return out;
  }, min);
}

/** Presses Tab (at most `max` times) until the focused element satisfies `is` (a function
 * of {tag, text, id, role, type, name}); fails otherwise. */
export async function tabTo(page, what, is, { max = 40, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const focused = await focusedElement(page);
    if (is(focused)) return focused;
  }
  assert.fail(`Tab never reached ${what}`);
}

/** What has the keyboard focus. */
export async function focusedElement(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return {
      tag: e?.tagName.toLowerCase(), id: e?.id || '', text: (e?.textContent || '').trim(),
      role: e?.getAttribute('role') || '', type: e?.type || '', name: e?.getAttribute('name') || '',
    };
  });
}

/** A call the requester asked for over the API (and, with `cancel`, cancelled): for views
 * that show one call. */
export async function requestCallOverApi({ cancel = false } = {}) {
  const token = await apiLogin('requester@example.com');
  const r = await api(token, 'POST', '/api/calls', { language: 'es', modality: 'video', specialty: 'general', priority: 'normal' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.id;
  if (cancel) {
    const c = await api(token, 'POST', `/api/calls/${id}/cancel`);
    assert.equal(c.status, 202, JSON.stringify(c.body));
  }
  return id;
}
