// A person's check in headless Chromium, with JavaScript turned off:
// open the form on a phone-sized screen, fill it, submit, read the receipt,
// then look it up on /status. Screenshots go to target/screenshots/.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { axe } from "./axe.mjs";

const base = process.env.TIPLINE_URL ?? "http://127.0.0.1:8080";
const shots = process.env.SHOTS ?? "target/screenshots";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const fail = (msg) => { console.error("FAIL:", msg); process.exitCode = 1; };
const violations = [];
try {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 360, height: 740 },
    locale: "zh-CN",
  });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.screenshot({ path: `${shots}/1-form.png`, fullPage: true });
  violations.push(...await axe(page, "form 360px JS off"));
  // Nothing wider than the phone's screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  if (overflow > 360) fail(`the form is ${overflow}px wide on a 360px screen`);

  await page.fill("#description", "沙井街道有家厂每天晚上用中频炉炼钢，烟囱冒黑烟，附近居民呛得睡不着。");
  await page.fill("#enterprise_name", "宏达钢铁");
  await page.fill("#address", "宝安区沙井街道某工业区3栋");
  await page.selectOption("#district", "baoan");
  await page.selectOption("#industry", "steel");
  await page.check("input[name=dimensions][value=ditiaogang]");
  await page.click("button[type=submit]");
  await page.waitForSelector("#receipt");
  const receipt = (await page.textContent("#receipt")).trim();
  await page.screenshot({ path: `${shots}/2-receipt.png`, fullPage: true });
  if (!/^\d{5}-\d{5}-\d{5}-\d{5}$/.test(receipt)) fail(`receipt looks wrong: ${receipt}`);
  if (!(await page.content()).includes("请立即抄写")) fail("the receipt page does not tell to write it down");
  violations.push(...await axe(page, "receipt 360px JS off"));
  // Each group of five digits stays on one line, on the narrowest phones too.
  for (const width of [360, 390]) {
    await page.setViewportSize({ width, height: 740 });
    const lines = await page.$$eval("#receipt .grp", (els) => els.map((e) => e.getClientRects().length));
    const tops = await page.$$eval("#receipt .grp", (els) => els.map((e) => e.getBoundingClientRect().height));
    if (lines.length !== 4 || lines.some((n) => n !== 1)) fail(`receipt groups wrap at ${width}px: ${lines}`);
    const one = Math.min(...tops);
    if (tops.some((h) => h > one * 1.5)) fail(`a receipt group spans two lines at ${width}px: ${tops}`);
    await page.screenshot({ path: `${shots}/2-receipt-${width}.png`, fullPage: true });
  }
  if (!(await page.$("a[download='tipline-receipt.txt']"))) fail("no save-as-text link");

  await page.goto(`${base}/status`);
  await page.fill("#receipt", receipt);
  await page.click("form.lookup button[type=submit]");
  await page.waitForSelector("#status");
  const status = (await page.textContent("#status")).trim();
  await page.screenshot({ path: `${shots}/3-status.png`, fullPage: true });
  if (status !== "已受理") fail(`status is ${status}`);
  violations.push(...await axe(page, "status 360px JS off"));

  await page.fill("#body", "补充：厂门口停着两辆拉废钢的货车。");
  await page.click("form[action='/status/messages'] button[type=submit]");
  await page.waitForSelector(".messages li");
  await page.screenshot({ path: `${shots}/4-message.png`, fullPage: true });
  if (!(await page.content()).includes("拉废钢的货车")) fail("the message is not shown");
  console.log(`browser check: receipt ${receipt.slice(0, 5)}…, status ${status}, screenshots in ${shots}`);

  // Evidence: attach a photo carrying GPS and device data, with JavaScript
  // off (plain multipart post) and on (pow.js solves the proof-of-work first).
  const photo = process.env.PHOTO ?? "tests/fixtures/photo-gps.jpg";
  for (const js of [false, true]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 360, height: 740 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await p.goto(`${base}/`);
    await p.fill("#description", `化工路一家钢厂半夜开中频炉，照片为证（JS ${js ? "on" : "off"}）。`);
    await p.fill("#enterprise_name", js ? "宏达钢铁" : "顺发铸造");
    await p.setInputFiles("#files", photo);
    await p.screenshot({ path: `${shots}/5-attach-js-${js ? "on" : "off"}.png`, fullPage: true });
    await p.click("button[type=submit]");
    await p.waitForSelector("#receipt", { timeout: 30000 });
    await p.screenshot({ path: `${shots}/6-receipt-attach-js-${js ? "on" : "off"}.png`, fullPage: true });
    await ctx.close();
  }

  // Staff see the thumbnails of both tips.
  const staff = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: "zh-CN" });
  const login = await staff.request.post(`${base}/api/v1/session`, {
    data: { username: "dispatch1", password: process.env.STAFF_PASSWORD },
  });
  if (!login.ok()) fail(`staff login: ${login.status()}`);
  const list = await (await staff.request.get(`${base}/api/v1/cases?limit=2`)).json();
  const sp = await staff.newPage();
  let thumbs = 0;
  for (const c of list.items) {
    await sp.goto(`${base}/staff/cases/${c.id}/attachments`);
    const imgs = await sp.$$("img.thumb");
    for (const img of imgs) {
      await img.evaluate((el) => el.complete || new Promise((r) => { el.onload = r; el.onerror = r; }));
      const w = await img.evaluate((el) => el.naturalWidth);
      if (w > 0) thumbs += 1;
    }
    await sp.screenshot({ path: `${shots}/7-staff-thumbnails-case-${c.id}.png`, fullPage: true });
  }
  if (thumbs !== 2) fail(`staff saw ${thumbs} thumbnails, expected 2`);
  // The stored photo, opened by staff, has no GPS or device data left.
  const c0 = await (await staff.request.get(`${base}/api/v1/cases/${list.items[0].id}`)).json();
  const file = await staff.request.get(`${base}${c0.tips[0].attachments[0].url}`);
  const bytes = Buffer.from(await file.body()).toString("latin1");
  if (bytes.includes("iPhone 15 Pro") || bytes.includes("Exif")) fail("metadata survived in the stored photo");
  await staff.close();
  console.log(`browser check: photo attached with JS off and on; staff saw ${thumbs} thumbnails`);

  // A desktop (1366 px) with JavaScript: the counter, the receipt, the status.
  {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
    const p = await ctx.newPage();
    await p.goto(`${base}/`);
    await p.fill("#description", "龙岗区坪地街道一家铸造厂用小高炉炼铁，夜里开工，附近都是黑灰。");
    const counted = (await p.textContent("#description-count")).trim();
    if (!counted.includes("/ 5000")) fail(`the counter says: ${counted}`);
    await p.screenshot({ path: `${shots}/8-form-1366.png`, fullPage: true });
    violations.push(...await axe(p, "form 1366px JS on"));
    await p.click("button[type=submit]");
    await p.waitForSelector("#receipt", { timeout: 30000 });
    await p.screenshot({ path: `${shots}/9-receipt-1366.png`, fullPage: true });
    violations.push(...await axe(p, "receipt 1366px JS on"));
    const r = (await p.textContent("#receipt")).trim();
    await p.goto(`${base}/status`);
    await p.fill("#receipt", r);
    await p.click("form.lookup button[type=submit]");
    await p.waitForSelector("#status");
    await p.screenshot({ path: `${shots}/10-status-1366.png`, fullPage: true });
    violations.push(...await axe(p, "status 1366px JS on"));
    await ctx.close();
  }
  if (violations.length) fail(`axe:\n  ${violations.join("\n  ")}`);

} finally {
  await browser.close();
}
