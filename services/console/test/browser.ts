// Headless Chromium for the console's page tests (Debian's `chromium`; puppeteer-core never downloads one).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const ROOT = path.resolve(__dirname, '../../..');
/** Where the tests keep their screenshots. */
export const SCREENSHOTS = path.join(ROOT, '.test-results', 'console');

/** The Chromium binary: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string {
  // Test support, not a service: the one place a test picks its browser.
  const given = process.env['CHROMIUM_PATH'];
  const found = [given, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p) => p !== undefined && existsSync(p),
  );
  if (found === undefined)
    throw new Error(
      'no Chromium found: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it',
    );
  return found;
}

/** Launches headless Chromium (no sandbox: CI runs as root). */
export function launch(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    defaultViewport: { width: 1400, height: 900 },
  });
}

/** Opens the console and signs in with `token` through the page's form. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.type('#token', token);
  await page.click('#signin button[type=submit]');
}

/** Saves a full-page screenshot as .test-results/console/<name>.png (and returns the path). */
export async function screenshot(page: Page, name: string, also?: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (also !== undefined) {
    mkdirSync(path.dirname(also), { recursive: true });
    await page.screenshot({ path: also, fullPage: false });
  }
  return file;
}

/** Text of the element matching `selector` once it contains `text` (waits up to `timeoutMs`). */
export async function waitForText(
  page: Page,
  selector: string,
  text: string,
  timeoutMs = 10_000,
): Promise<void> {
  // A string expression: it runs in the page, where `document` exists (this file compiles without DOM types).
  await page.waitForFunction(
    `Array.from(document.querySelectorAll(${JSON.stringify(selector)})).some((el) => (el.textContent || '').includes(${JSON.stringify(text)}))`,
    { timeout: timeoutMs },
  );
}

/** `name` of every element matching `selector`, in document order (null where absent). */
export async function attributes(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return (await page.evaluate(
    `Array.from(document.querySelectorAll(${JSON.stringify(selector)})).map((el) => el.getAttribute(${JSON.stringify(name)}))`,
  )) as (string | null)[];
}

/** How many elements match `selector`. */
export async function count(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`)) as number;
}

export { ROOT };
