// Runs axe-core in headless Chromium (Debian's, through playwright-core) on each URL given, at
// a phone's and a desktop's width; prints one JSON line per page and width:
// {"url", "width", "violations": [{"id", "impact", "help", "nodes": [selector...]}]}.
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The machine's network is closed: no background traffic, no sandbox as root.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  for (const width of [375, 1280]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    for (const url of process.argv.slice(2)) {
      await page.goto(url);
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
      const violations = result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')),
      }));
      console.log(JSON.stringify({ url, width, violations }));
    }
    await page.close();
  }
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
