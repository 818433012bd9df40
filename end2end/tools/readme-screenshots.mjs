// Makes the README's screenshots from the browser tests' artifacts: each chosen PNG of target/screenshots/ is
// cropped to its first screen and re-encoded as WebP by the same headless Chromium the tests use (no image
// tool to install), lowering the quality until the file is under the size budget.
//
//   node tools/readme-screenshots.mjs <from-dir> <to-dir> name[:max-height] ...
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [from, to, ...wanted] = process.argv.slice(2);
if (!from || !to || !wanted.length) {
  console.error('usage: readme-screenshots.mjs <from-dir> <to-dir> name[:max-height] ...');
  process.exit(2);
}
const BUDGET = Number(process.env.SCREENSHOT_BUDGET_KB || 150) * 1024;
mkdirSync(to, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
let failed = false;
for (const spec of wanted) {
  const [name, max] = spec.split(':');
  const png = readFileSync(join(from, `${name}.png`));
  let out, quality;
  for (quality = 0.85; quality >= 0.4; quality -= 0.05) {
    const url = await page.evaluate(async ({ data, maxHeight, q }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = Math.min(img.naturalHeight, maxHeight || img.naturalHeight);
      canvas.getContext('2d').drawImage(img, 0, 0);
      return canvas.toDataURL('image/webp', q);
    }, { data: png.toString('base64'), maxHeight: Number(max) || 0, q: quality });
    out = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    if (out.length <= BUDGET) break;
  }
  writeFileSync(join(to, `${name}.webp`), out);
  const kb = (out.length / 1024).toFixed(0);
  console.log(`${name}.webp: ${kb} kB (WebP quality ${quality.toFixed(2)})`);
  if (out.length > BUDGET) failed = true;
}
await browser.close();
if (failed) {
  console.error(`a screenshot is over ${BUDGET / 1024} kB even at the lowest quality`);
  process.exit(1);
}
