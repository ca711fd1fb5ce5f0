// Drive the page in headless Chromium as an analyst would (eval/page/README.md).
const puppeteer = require('puppeteer-core');
const { spawn } = require('child_process');
const [,, tenyo, index, port, out, csv, list] = process.argv;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const srv = spawn(tenyo, ['serve', index, '--port', port, '--writable'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) { try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) break; } catch (e) {} await sleep(100); }
  const b = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const p = await b.newPage();
  await p.setViewport({ width: 1280, height: 900 });
  await p.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle0' });
  console.log('before:', await p.$eval('#indexinfo', (e) => e.textContent));
  await p.$eval('#updates', (d) => { d.open = true; });
  const f = await p.$('#upd-add-file'); await f.uploadFile(csv);
  await p.click('#upd-add');
  await p.waitForFunction(() => /追加|added|skipped|読み|失敗|error/i.test(document.querySelector('#upd-status').textContent) && !document.querySelector('#upd-progress').hidden === false, { timeout: 60000 }).catch(() => {});
  await sleep(3000);
  console.log('status:', await p.$eval('#upd-status', (e) => e.textContent));
  console.log('said:', await p.$eval('#upd-said', (e) => e.textContent.slice(0, 300)));
  console.log('after:', await p.$eval('#indexinfo', (e) => e.textContent));
  await p.$eval('#updates', (d) => d.scrollIntoView());
  await p.screenshot({ path: out + '/11-upload.png' });
  const g = await p.$('#upd-list-file'); await g.uploadFile(list);
  await p.click('#upd-list');
  await sleep(4000);
  console.log('list status:', await p.$eval('#upd-status', (e) => e.textContent));
  console.log('after list:', await p.$eval('#indexinfo', (e) => e.textContent));
  await p.screenshot({ path: out + '/12-list.png' });
  await b.close(); srv.kill();
})().catch((e) => { console.error(e); process.exit(1); });
