// A person's check in headless Chromium, with JavaScript turned off:
// open the form on a phone-sized screen, fill it, submit, read the receipt,
// then look it up on /status. Screenshots go to target/screenshots/.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.TIPLINE_URL ?? "http://127.0.0.1:8080";
const shots = process.env.SHOTS ?? "target/screenshots";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const fail = (msg) => { console.error("FAIL:", msg); process.exitCode = 1; };
try {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 360, height: 740 },
    locale: "zh-CN",
  });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.screenshot({ path: `${shots}/1-form.png`, fullPage: true });
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

  await page.goto(`${base}/status`);
  await page.fill("#receipt", receipt);
  await page.click("form.lookup button[type=submit]");
  await page.waitForSelector("#status");
  const status = (await page.textContent("#status")).trim();
  await page.screenshot({ path: `${shots}/3-status.png`, fullPage: true });
  if (status !== "已受理") fail(`status is ${status}`);

  await page.fill("#body", "补充：厂门口停着两辆拉废钢的货车。");
  await page.click("form[action='/status/messages'] button[type=submit]");
  await page.waitForSelector(".messages li");
  await page.screenshot({ path: `${shots}/4-message.png`, fullPage: true });
  if (!(await page.content()).includes("拉废钢的货车")) fail("the message is not shown");
  console.log(`browser check: receipt ${receipt.slice(0, 5)}…, status ${status}, screenshots in ${shots}`);
} finally {
  await browser.close();
}
