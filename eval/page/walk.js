// Drive the page in headless Chromium as an analyst would (eval/page/README.md).
// Drives the page as a new analyst would, in headless Chromium, saving a screenshot per step.
const puppeteer = require('puppeteer-core');
const { spawn } = require('child_process');
const [,, tenyo, index, port, outdir, pid] = process.argv;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function startServer() {
  const p = spawn(tenyo, ['serve', index, '--port', port, '--writable'], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr.on('data', () => {});
  return p;
}
async function waitHealthy() {
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) return; } catch (e) {}
    await sleep(100);
  }
  throw new Error('server did not start');
}
async function cards(page) { return Number(await page.$eval('body', (b) => b.dataset.cards || '0')); }
async function settle(page) { await sleep(600); await page.waitForFunction(() => !document.querySelector('#run').disabled, { timeout: 20000 }); await sleep(300); }
async function shot(page, name) { await page.$eval('#result', (r) => r.scrollIntoView()); await page.screenshot({ path: `${outdir}/${name}.png`, fullPage: false }); console.log('shot', name, 'cards', await cards(page)); }
async function ask(page, q) {
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle0' });
  await page.$eval('#q', (t) => { t.value = ''; });
  await page.type('#q', q);
  await page.click('#run');
  await page.waitForFunction(() => Number(document.body.dataset.cards || 0) > 0, { timeout: 20000 });
  await settle(page);
}
(async () => {
  let srv = startServer(); await waitHealthy();
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--lang=ja'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  await ask(page, pid);
  await shot(page, '01-default');
  const w = await page.$eval('.chip.strikable', (c) => c.textContent);
  await page.click('.chip.strikable');
  await settle(page);
  console.log('struck', w, 'struck chips:', await page.$$eval('.chip.struck', (cs) => cs.map((c) => c.textContent).join(',')));
  await shot(page, '02-struck');
  await page.$eval('#focusbox', (d) => { d.open = true; });
  const boxes = await page.$$('#sentences input');
  console.log('sentences', boxes.length);
  if (boxes.length >= 3) { await boxes[1].click(); await boxes[2].click(); }
  await page.click('#focus-apply');
  await settle(page);
  await shot(page, '03-focus');
  const f1 = await page.$eval('#cards > li .code', (c) => c.textContent);
  await page.type('#cards > li:nth-child(1) input.note', 'SME 向けに有望: 顧客 A 社に提案');
  await page.click('#cards > li:nth-child(1) .decide-kept');
  await settle(page);
  await shot(page, '04-kept');
  const f2 = await page.$eval('#cards > li:nth-child(2) .code', (c) => c.textContent);
  await page.click('#cards > li:nth-child(2) .decide-rejected');
  await settle(page);
  console.log('kept', f1, 'rejected', f2, 'first now', await page.$eval('#cards > li .code', (c) => c.textContent),
              'rejected still shown', await page.$$eval('#cards > li .code', (cs, f) => cs.some((c) => c.textContent === f), f2));
  await shot(page, '05-rejected');
  const before = await cards(page);
  await page.click('#more');
  await page.waitForFunction((n) => Number(document.body.dataset.cards) > n, { timeout: 20000 }, before);
  await sleep(300);
  console.log('more: cards', before, '->', await cards(page));
  await shot(page, '06-more');
  await ask(page, pid);  // reload the page, ask again: the worksheet is restored
  console.log('after reload: first', await page.$eval('#cards > li .code', (c) => c.textContent), 'ws', await page.$eval('#wsinfo', (e) => e.textContent));
  await shot(page, '07-reload');
  srv.kill('SIGTERM'); await sleep(800);
  srv = startServer(); await waitHealthy();
  await ask(page, pid);
  console.log('after restart: first', await page.$eval('#cards > li .code', (c) => c.textContent), 'ws', await page.$eval('#wsinfo', (e) => e.textContent));
  await shot(page, '08-restart');
  const href = await page.$eval('#export-kept', (a) => a.href);
  const rep = await browser.newPage();
  await rep.setViewport({ width: 1000, height: 1300 });
  await rep.goto(href, { waitUntil: 'load', timeout: 20000 });
  await sleep(1500);
  await rep.screenshot({ path: `${outdir}/09-kept-report.png`, fullPage: false });
  console.log('report', href);
  await rep.close();
  // the adviser's match read
  const mp = await browser.newPage();
  await mp.setViewport({ width: 1280, height: 1400 });
  await mp.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle0' });
  await mp.click('#task-match');
  await mp.type('#q', '錠剤やカプセル、顆粒の製剤を受託で設計・製造している。苦味のマスキング、徐放化、口腔内崩壊錠が得意。');
  await mp.click('#run');
  await sleep(5000);
  await mp.$eval('#result', (r) => r.scrollIntoView());
  await mp.screenshot({ path: `${outdir}/10-match.png`, fullPage: false });
  console.log('match shot');
  await browser.close();
  srv.kill('SIGTERM');
})().catch((e) => { console.error(e); process.exit(1); });
