import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestPlatform } from '../../server/src/test-support/platform.js';
import type { DialectName } from '../../server/src/store/index.js';
import type { Platform } from '../../server/src/main.js';
import type { ConfigOverrides } from '../../server/src/config/index.js';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
export const UI_DIR = join(webRoot, 'dist');
/** Screenshots of the main pages, for a person to look at: <repo>/test-output/ui/. */
export const SHOT_DIR = fileURLToPath(new URL('../../../test-output/ui/', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/**
 * Builds the UI with Vite when dist/ is missing or older than its sources — what `npm start` does —
 * so the browser tests always drive the code under test. A lock folder keeps two test files
 * running at once from building over each other.
 */
export async function ensureUiBuilt(): Promise<void> {
  const lock = join(webRoot, '.build-lock');
  const stale = () => {
    try {
      const built = statSync(join(UI_DIR, 'index.html')).mtimeMs;
      return Math.max(newestMtime(join(webRoot, 'src')), statSync(join(webRoot, 'index.html')).mtimeMs, statSync(join(webRoot, 'vite.config.ts')).mtimeMs) > built;
    } catch {
      return true;
    }
  };
  for (let waited = 0; ; waited += 200) {
    if (!stale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is building: a lock older than 3 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      assert.ok(waited < 240_000, 'timed out waiting for another test file to build the web UI');
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (!stale()) return;
      const { build } = await import('vite');
      await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'error' });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

let browser: Browser | undefined;

/** One headless Chromium (Debian's) per test file. */
export async function launchBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: process.env.FLYWHEEL_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export interface UiServer {
  platform: Platform & { dispose(): Promise<void> };
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** The whole platform on a fresh database of `dialect`, listening on a free loopback port, serving the built UI. */
export async function startUiServer(dialect: DialectName, config: ConfigOverrides = {}): Promise<UiServer> {
  await ensureUiBuilt();
  const platform = await createTestPlatform(dialect, { config: { uiDir: UI_DIR, ...config } });
  const url = await platform.app.listen({ host: '127.0.0.1', port: 0 });
  return { platform, url, close: () => platform.dispose() };
}

export interface UiSession {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors, failed requests and 4xx/5xx answers seen so far. */
  problems: string[];
  /** Answers matching `pattern` with a 4xx are expected by the test (e.g. a wrong password). */
  allow(pattern: RegExp): void;
  /** Saves a screenshot of the page as test-output/ui/<name>.png. */
  shot(name: string): Promise<void>;
  /** Fails the test on any problem, then closes the browser context. */
  close(): Promise<void>;
}

/**
 * A fresh browser context on the server, watching everything that can go wrong: the suite fails on
 * any console error, uncaught exception or failed request, as the issue asks.
 */
export async function openSession(server: UiServer): Promise<UiSession> {
  const b = await launchBrowser();
  const context = await b.newContext({ baseURL: server.url, viewport: { width: 1366, height: 850 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  const isAllowed = (url: string) => allowed.some((p) => p.test(url));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every 4xx/5xx answer as a console error; those are judged by the response handler.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && isAllowed(m.location().url)) return;
    problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A fetch the app cancelled itself (a page left before its data arrived) is not a failure.
    if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !(r.status() < 500 && isAllowed(r.url()))) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    allow: (p) => allowed.push(p),
    async shot(name) {
      mkdirSync(SHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SHOT_DIR, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      assert.deepEqual(problems, [], 'the browser saw errors');
    },
  };
}
