'use strict';
// The workbench's view panes (rows, their icons, inline actions and context menus) and
// the debugging helpers: methods of harness.js's Workbench (it copies them onto its
// prototype), so `this` is the driver with `page`, `command`, `texts`, ...

const { WAIT_MS, until } = require('./wait');

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

class DebugViews {
  // ---- view panes ----

  /** The rows of a view pane (by its title, e.g. "Variables", "Futures") as {label, description, aria, level, expanded}. */
  async viewRows(title) {
    return this.page.evaluate((title) => {
      const panes = [...document.querySelectorAll('.pane')];
      const pane = panes.find((p) => {
        const h = p.querySelector('.pane-header');
        if (!h) return false;
        const t = (h.querySelector('.title') || h).textContent.trim();
        return t.toLowerCase() === title.toLowerCase();
      });
      if (!pane) return null;
      return [...pane.querySelectorAll('.pane-body .monaco-list-row')].map((r) => {
        const q = (s) => {
          const e = r.querySelector(s);
          return e ? e.textContent.trim() : '';
        };
        return {
          label: q('.label-name') || q('.monaco-highlighted-label') || q('.name'),
          description: q('.label-description') || q('.value'),
          text: r.innerText.replace(/\s+/g, ' ').trim(),
          aria: r.getAttribute('aria-label') || '',
          level: Number(r.getAttribute('aria-level') || 0),
          expanded: r.getAttribute('aria-expanded'),
        };
      });
    }, title);
  }

  /** Waits until the view titled `title` has rows satisfying `pred`; returns them. */
  async waitForRows(title, pred, what, ms = WAIT_MS) {
    let last = null;
    return until(async () => {
      last = await this.viewRows(title);
      return last && pred(last) && last;
    }, () => `${what} in the ${title} view; rows now: ${JSON.stringify(last && last.map((r) => r.text))}`, ms, 150);
  }

  /** Expands (clicks the twistie of) the row of view `title` whose label matches `re`. */
  async expandRow(title, re) {
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header .title', { hasText: new RegExp(`^${title}$`, 'i') }) });
    const row = pane.locator('.pane-body .monaco-list-row').filter({ hasText: re }).first();
    await row.waitFor({ state: 'visible', timeout: WAIT_MS });
    if ((await row.getAttribute('aria-expanded')) !== 'true') {
      await row.click();
      await until(async () => (await row.getAttribute('aria-expanded')) === 'true', `row ${re} of ${title} to expand`, 10000).catch(async () => {
        await row.press('ArrowRight');
      });
    }
  }

  /** Makes sure the pane titled `title` is expanded (its header is clicked when collapsed). */
  async openPane(title) {
    const header = this.page.locator('.pane-header', { has: this.page.locator('.title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
    await header.waitFor({ state: 'visible', timeout: WAIT_MS });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await until(async () => (await header.getAttribute('aria-expanded')) !== 'false', `the ${title} pane to expand`, 5000);
  }

  /** The pane titled `title`. */
  pane(title) {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header .title', { hasText: new RegExp(`^${esc(title)}$`, 'i') }) }).first();
  }

  /** True when a pane titled `title` is in the DOM and visible. */
  async paneVisible(title) {
    return this.pane(title).isVisible().catch(() => false);
  }

  /**
   * The first row of pane `title` whose label (a custom view's `.label-name`, a
   * Variables / Breakpoints `.name`) or whole text matches `re` (waits for it). The
   * label alone, because a row's text runs label and description together.
   */
  async row(title, re) {
    const rows = this.pane(title).locator('.pane-body .monaco-list-row');
    const row = rows.filter({ has: this.page.locator('.label-name, .name', { hasText: re }) }).or(rows.filter({ hasText: re })).first();
    await row.waitFor({ state: 'visible', timeout: WAIT_MS }).catch((e) => {
      throw new Error(`no row matching ${re} in the ${title} view: ${e.message.split('\n')[0]}`);
    });
    return row;
  }

  /** The codicon ids (`codicon-<id>`) of a tree row's own icon (a custom view's item icon). */
  async rowIcons(title, re) {
    const row = await this.row(title, re);
    return row.evaluate((r) => {
      const icon = r.querySelector('.custom-view-tree-node-item-icon') || r.querySelector('.breakpoint > .codicon') || r.querySelector('.codicon');
      return icon ? [...icon.classList].filter((c) => c.startsWith('codicon-')).map((c) => c.slice('codicon-'.length)) : [];
    });
  }

  /** Clicks the label of the row matching `re` in pane `title` (runs a custom view item's command). */
  async clickRow(title, re) {
    const row = await this.row(title, re);
    await row.locator('.label-name, .monaco-highlighted-label').first().click();
  }

  /** The inline actions (aria-labels) a row shows under the mouse. */
  async rowInlineActions(title, re) {
    const row = await this.row(title, re);
    await row.hover();
    return row.locator('.actions .action-label, .monaco-action-bar .action-label').evaluateAll((els) =>
      els.filter((e) => e.getClientRects().length > 0).map((e) => e.getAttribute('aria-label') || e.title || ''));
  }

  /** Hovers the row, then clicks its inline action labelled `action` (the command's title). */
  async clickInlineAction(title, re, action) {
    const row = await this.row(title, re);
    const button = row.locator(`.action-label[aria-label="${action}"]`);
    await until(async () => {
      await row.hover();
      return button.isVisible();
    }, `the inline action "${action}" on the row ${re} of ${title}`, 10000, 200);
    await button.click();
  }

  /** Right-clicks the row and returns the labels of the context menu it opens. */
  async openRowMenu(title, re) {
    const row = await this.row(title, re);
    await row.click({ button: 'right' });
    return this.menuItems();
  }

  /** The labels of the open context menu (waits for one). */
  async menuItems() {
    const items = this.page.locator('.context-view .monaco-menu .action-item .action-label');
    await items.first().waitFor({ state: 'visible', timeout: WAIT_MS });
    return (await items.evaluateAll((els) => els.map((e) => (e.getAttribute('aria-label') || e.textContent || '').trim()))).filter(Boolean);
  }

  /** Chooses `label` in the open context menu and waits for the menu to close. */
  async chooseMenuItem(label) {
    const item = this.page.locator('.context-view .monaco-menu .action-item .action-label').filter({ hasText: new RegExp(`^${esc(label)}$`) }).first();
    await item.waitFor({ state: 'visible', timeout: WAIT_MS });
    await item.click();
    await until(async () => (await this.page.locator('.context-view .monaco-menu').count()) === 0, `the context menu to close after "${label}"`, 5000);
  }

  /** The cursor of the active editor from the status bar ("Ln X, Col Y"), or null. */
  async cursor() {
    const m = (await this.statusText()).match(/Ln (\d+), Col (\d+)/);
    return m ? { line: Number(m[1]), col: Number(m[2]) } : null;
  }

  /** The 1-based line numbers the active editor highlights as current (the cursor's line). */
  async currentLineNumbers() {
    return this.page.$$eval('.editor-instance .monaco-editor .margin-view-overlays .line-numbers.active-line-number', (els) => els.map((e) => Number(e.textContent.trim())));
  }

  // ---- debugging ----

  /** Toggles a breakpoint at `line` (F9 with the cursor there) and waits for its glyph. */
  async toggleBreakpoint(line) {
    await this.gotoLine(line, 1);
    const before = await this.page.locator('.editor-instance .codicon-debug-breakpoint, .editor-instance .codicon-debug-breakpoint-unverified').count();
    await this.page.keyboard.press('F9');
    await until(async () => (await this.page.locator('.editor-instance .codicon-debug-breakpoint, .editor-instance .codicon-debug-breakpoint-unverified').count()) > before,
      `a breakpoint glyph on line ${line}`, 5000);
  }

  /** Starts the launch configuration named `name` (Debug: Select and Start Debugging). */
  async startDebugging(name) {
    await this.command('Debug: Select and Start Debugging');
    await until(async () => (await this.quickPickRows()).some((r) => r.includes(name)), `the launch configuration "${name}" in the picker`);
    await this.typeInQuickInput(`debug ${name}`); // fill replaces the picker's 'debug ' prefix
    await until(async () => (await this.quickPickRows()).some((r) => r.includes(name)), `the launch configuration "${name}" after filtering`);
    const rows = await this.quickPickRows();
    await this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(rows.findIndex((r) => r.includes(name))).click();
    await this.waitFor('.debug-toolbar', 'the debug toolbar', WAIT_MS);
  }

  /** Waits until the debuggee is paused: the toolbar offers Continue and the Call Stack header says "Paused on ...". */
  async waitPaused(what = 'the debugger to pause', ms = WAIT_MS) {
    return until(async () => {
      const cont = await this.page.locator('.debug-toolbar .codicon-debug-continue').count();
      const states = await this.page.$$eval('.pane-header', (hs) => hs.map((h) => h.innerText.replace(/\s+/g, ' ')).filter((t) => /^call stack/i.test(t)));
      const paused = states.find((t) => /paused/i.test(t));
      return cont > 0 && paused;
    }, what, ms);
  }

  /** The editor line currently highlighted as the top stack frame (1-based), or 0. */
  async stoppedLine() {
    return this.page.evaluate(() => {
      const d = document.querySelector('.editor-instance .monaco-editor .debug-top-stack-frame-line, .editor-instance .monaco-editor .codicon-debug-stackframe');
      if (!d) return 0;
      const top = d;
      const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .margin-view-overlays > div')];
      const y = top.getBoundingClientRect().top;
      const num = lines.find((l) => Math.abs(l.getBoundingClientRect().top - y) < 3);
      const n = num && num.querySelector('.line-numbers');
      return n ? Number(n.textContent.trim()) : -1;
    });
  }

  /** The Debug Console's text (opens it when hidden). */
  async debugConsole() {
    let rows = await this.texts('.repl .monaco-list-row');
    if (rows.length === 0 && (await this.texts('.repl')).length === 0) {
      await this.command('Debug Console: Focus on Debug Console View');
      rows = await this.texts('.repl .monaco-list-row');
    }
    return rows.join('\n');
  }

  /** True while a debug session shows its toolbar. */
  async debugging() {
    return this.page.locator('.debug-toolbar').first().isVisible().catch(() => false);
  }

  async stopDebugging() {
    await this.command('Debug: Stop');
    await until(async () => (await this.page.locator('.debug-toolbar').count()) === 0 || !(await this.page.locator('.debug-toolbar').isVisible()), 'the debug toolbar to go', 15000).catch(() => {});
  }

  /**
   * The Call Stack header's state once the debuggee is stopped and the state matches
   * `re`: "Paused on <reason>", or the stop's description when the adapter sent one
   * (VS Code 1.100 shows `description` instead of "Paused on <reason>" when present).
   */
  async waitStopped(re, what = `a stop matching ${re}`, ms = WAIT_MS) {
    let last = '';
    return until(async () => {
      const cont = await this.page.locator('.debug-toolbar .codicon-debug-continue').count();
      last = await this.callStackState();
      return cont > 0 && re.test(last) && last;
    }, () => `${what}; the Call Stack state now: "${last}"`, ms);
  }

  /** The state shown in the Call Stack header ("Running", "Paused on breakpoint", ...), or "". */
  async callStackState() {
    return this.page.evaluate(() => {
      const h = [...document.querySelectorAll('.pane-header')].find((e) => /^call stack/i.test((e.querySelector('.title') || e).textContent.trim()));
      const s = h && h.querySelector('.call-stack-state-message');
      return s ? s.textContent.trim() : '';
    });
  }

  /** Debug: Continue, then waits for the Call Stack to leave `from` (a stop's state text). */
  async continueFrom(from, ms = WAIT_MS) {
    await this.command('Debug: Continue');
    await until(async () => !(await this.debugging()) || (await this.callStackState()) !== from, `the program to leave the stop "${from}"`, ms, 50);
  }

  /** Waits until no debug session is left: the toolbar gone. */
  async waitEnded(what = 'the debug session to end', ms = WAIT_MS) {
    await until(async () => !(await this.debugging()), what, ms);
  }
}

module.exports = { DebugViews };
