// Fills and submits an article's comment form in headless Chromium (no JavaScript of the
// page's own is involved: the form is plain HTML), then prints one JSON line:
// {"url": <where the browser ended up>, "pending_note_visible": bool, "status": <HTTP status>}.
// With SCREENSHOT=path, afterwards saves a full-page screenshot of ARTICLE_URL (1280 px).
//
//     node comment.js ARTICLE_URL NAME TEXT
const { chromium } = require('playwright-core');

(async () => {
  const [articleUrl, name, text] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (name) {
    await page.goto(articleUrl);
    await page.fill('#comment-author', name);
    await page.fill('#comment-url', 'https://reader.example/');
    await page.fill('#comment-text', text);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click('button[type=submit] >> text=Post comment'),
    ]);
    console.log(JSON.stringify({
      url: page.url(),
      status: response ? response.status() : null,
      pending_note_visible: await page.isVisible('#comment-pending'),
    }));
  }
  if (process.env.SCREENSHOT) {
    await page.goto(articleUrl);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
  await browser.close();
})().catch((error) => { console.error(error); process.exit(1); });
