// The staff flow in headless Chromium: a reporter sends a tip; the dispatcher
// logs in, opens the queue and dispatches the case with the keyboard alone;
// the lead bureau accepts, verifies, orders rectification, re-inspects and
// closes it; the reporter reads the result with the receipt.
// Screenshots go to target/screenshots/staff-*.png.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { axe } from "./axe.mjs";

const base = process.env.TIPLINE_URL ?? "http://127.0.0.1:8080";
const shots = process.env.SHOTS ?? "target/screenshots";
const password = process.env.STAFF_PASSWORD ?? "a long browser test password";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const fail = (msg) => { throw new Error(msg); };
const shot = (page, name) => page.screenshot({ path: `${shots}/staff-${name}.png`, fullPage: true });

async function login(context, username) {
  const page = await context.newPage();
  await page.goto(`${base}/staff/login`);
  // Keyboard only: the username field has the focus (autofocus).
  await page.waitForFunction(() => document.activeElement?.id === "username");
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/staff\/queue/);
  return page;
}

try {
  // 1. The reporter (JavaScript off, a phone).
  const reporter = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: "zh-CN" });
  const rp = await reporter.newPage();
  await rp.goto(`${base}/`);
  await rp.fill("#description", "沙井街道有家水泥厂的磨机能耗严重超标，用电量特别大，<script>alert(1)</script>");
  await rp.selectOption("#district", "baoan");
  await rp.selectOption("#industry", "cement");
  await rp.check("input[name=dimensions][value=energy]");
  await rp.click("button[type=submit]");
  await rp.waitForSelector("#receipt");
  const receipt = (await rp.textContent("#receipt")).trim();

  // 2. The dispatcher, keyboard only.
  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  let page = await login(staff, "dispatch1");
  await page.goto(`${base}/staff/queue?view=new`);
  await shot(page, "1-queue");
  if (!(await page.content()).includes("新案件")) fail("the queue has no 'new' tab");
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/staff\/cases\/\d+$/);
  const caseUrl = page.url();
  if ((await page.content()).includes("<script>alert(1)")) fail("the tip's script is not escaped");
  await page.keyboard.press("d");
  for (let i = 0; i < 10 && (await page.inputValue("#lead_bureau")) !== "industry_it"; i++) {
    await page.keyboard.press("ArrowDown");
  }
  if ((await page.inputValue("#lead_bureau")) !== "industry_it") fail("could not choose the lead bureau with the keys");
  await shot(page, "2-dispatch");
  await page.keyboard.press("Control+Enter");
  await page.waitForLoadState("load");
  await page.waitForSelector("text=已派单");
  await shot(page, "3-dispatched");

  // 3. The lead bureau works the case.
  await staff.clearCookies();
  page = await login(staff, "industry1");
  await page.goto(caseUrl);
  const has = (text) => page.waitForFunction((t) => document.body.innerText.includes(t), text, { timeout: 10000 });
  const submit = async (formAction) => {
    await Promise.all([page.waitForLoadState("load"), page.click(`form[action$='/${formAction}'] button[type=submit]`)]);
  };
  await submit("accept");
  await page.selectOption("#finding", "substantiated");
  await page.fill("#inspectors", "张三, 李四");
  await page.fill("#evidence", "现场核对电表与能耗限额标准。");
  // Without a date the finding is refused — by the browser (required) and,
  // past it, by the server — and what was typed stays.
  await page.$eval("#verify", (f) => { f.noValidate = true; });
  await submit("verify");
  await has("请填写核查日期");
  if ((await page.inputValue("#inspectors")) !== "张三, 李四") fail("the inspectors typed were lost");
  await shot(page, "3b-finding-refused");
  await page.fill("#inspected_on", new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10));
  await submit("verify");
  await page.selectOption("#measure", "rectify");
  await submit("order");
  await has("已完成：处置措施");
  await has("限期整改 · 下达");
  await shot(page, "4-ordered");
  await page.selectOption("form[action$='/reinspect'] select", "true");
  await page.fill("#reinspect_note", "复查：设备已改造，能耗达标。");
  await submit("reinspect");
  await page.fill("#public_note", "经核查属实，已责令企业限期整改，复查合格。感谢您的举报。");
  await submit("close");
  await has("已办结");
  await shot(page, "5-closed");

  // The first queue row is above the fold at 1366×768 (JavaScript on) and
  // on a 390 px phone (JavaScript off, rows as cards), with its summary.
  for (const [w, h, js] of [[1366, 768, true], [390, 844, false]]) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, javaScriptEnabled: js, locale: "zh-CN" });
    await ctx.addCookies(await staff.cookies());
    const qp = await ctx.newPage();
    await qp.goto(`${base}/staff/queue?view=all`);
    const first = qp.locator(".queue tbody tr").first();
    const box = await first.boundingBox();
    const summary = await first.locator("td.summary").boundingBox();
    if (!box || !summary || summary.y + summary.height > h) fail(`the first queue row's summary is below the fold at ${w}px: ${JSON.stringify(box)}`);
    const text = await first.innerText();
    if (!/网页|12345|省平台|国家平台/.test(text) || !/(剩余|逾期) \d+ 个工作日|今天到期|—/.test(text)) fail(`the first row lacks its source or time left: ${text}`);
    await qp.screenshot({ path: `${shots}/staff-queue-fold-${w}.png` });
    const width = await qp.evaluate(() => document.documentElement.scrollWidth);
    if (width > w) fail(`the queue is ${width}px wide on a ${w}px screen`);
    await ctx.close();
  }

  // The queue and the case page fit a phone, without JavaScript.
  const phone = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: "zh-CN" });
  await phone.addCookies(await staff.cookies());
  const pp = await phone.newPage();
  for (const [path, name] of [["/staff/queue?view=all", "7-phone-queue"], [new URL(caseUrl).pathname, "8-phone-case"]]) {
    await pp.goto(`${base}${path}`);
    await pp.screenshot({ path: `${shots}/staff-${name}.png`, fullPage: true });
    const width = await pp.evaluate(() => document.documentElement.scrollWidth);
    if (width > 360) fail(`${path} is ${width}px wide on a 360px screen`);
  }

  // 4. The reporter reads the result.
  await rp.goto(`${base}/status`);
  await rp.fill("#receipt", receipt);
  await rp.click("form.lookup button[type=submit]");
  await rp.waitForSelector("#status");
  const status = (await rp.textContent("#status")).trim();
  await rp.screenshot({ path: `${shots}/staff-6-reporter.png`, fullPage: true });
  if (status !== "已办结") fail(`the reporter sees ${status}`);
  if (!(await rp.content()).includes("复查合格")) fail("the reporter does not see the result");
  const violations = [];
  violations.push(...await axe(rp, "status closed 360px JS off"));

  // 5. The reporter rates the outcome (no JavaScript, 390 px): 不满意.
  await rp.setViewportSize({ width: 390, height: 800 });
  await rp.check("input[name=rating][value=dissatisfied]");
  await rp.fill("#comment", "整改后晚上还是有噪音。");
  await Promise.all([rp.waitForLoadState("load"), rp.click("form.rate button[type=submit]")]);
  if (!(await rp.content()).includes("感谢您的评价")) fail("the rating was not taken");
  await rp.screenshot({ path: `${shots}/staff-9-rated-390.png`, fullPage: true });
  violations.push(...await axe(rp, "status rated 390px JS off"));

  // 6. The dispatcher sees it to review and reopens the case (二次办理).
  await staff.clearCookies();
  page = await login(staff, "dispatch1");
  await page.goto(`${base}/staff/queue?view=review`);
  await shot(page, "10-review-queue");
  violations.push(...await axe(page, "queue review 1280px"));
  await page.goto(`${base}/staff/queue?view=all`);
  violations.push(...await axe(page, "queue all 1280px"));
  if (!(await page.content()).includes(new URL(caseUrl).pathname)) fail("the dissatisfied case is not in the review tab");
  await page.goto(caseUrl);
  await has("不满意评价待复核");
  await shot(page, "11-review-case");
  violations.push(...await axe(page, "case review 1280px"));
  await page.fill("#reopen_note", "您对整改结果不满意，本案已重新交办市工业和信息化局复查。");
  await submit("reopen");
  await has("已派单");
  await rp.goto(`${base}/status`);
  await rp.fill("#receipt", receipt);
  await rp.click("form.lookup button[type=submit]");
  await rp.waitForSelector("#status");
  if ((await rp.textContent("#status")).trim() !== "已派单") fail("the reporter does not see the reopening");
  if (!(await rp.content()).includes("重新交办")) fail("the reporter does not read why");
  await rp.screenshot({ path: `${shots}/staff-12-reopened-390.png`, fullPage: true });
  await page.goto(`${base}/staff/reports?period=${new Date().getFullYear()}`);
  await shot(page, "13-reports");
  violations.push(...await axe(page, "reports 1280px"));
  if (violations.length) fail(`axe:\n  ${violations.join("\n  ")}`);
  console.log(`staff check: case ${caseUrl.split("/").pop()} closed, rated 不满意 and reopened; the reporter reads each step; screenshots in ${shots}`);
} catch (e) {
  console.error("FAIL:", e.message);
  for (const ctx of browser.contexts()) {
    for (const p of ctx.pages()) await p.screenshot({ path: `${shots}/staff-failure-${ctx.pages().indexOf(p)}.png`, fullPage: true }).catch(() => {});
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
