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

  // 7. An administrator: adds an account (a refused try first), a relay,
  // imports a registry CSV with one bad line; then every admin page on a
  // 390 px phone without JavaScript: nothing wider than the screen, no
  // internal keys, no UTC.
  await staff.clearCookies();
  const admin = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  page = await login(admin, "admin1");
  const adminShot = (p, name) => p.screenshot({ path: `${shots}/admin-${name}.png`, fullPage: true });
  const click = async (p, selector) => {
    await Promise.all([p.waitForLoadState("load"), p.click(selector)]);
  };
  await page.goto(`${base}/staff/queue`);
  await click(page, "a[href='/staff/admin']");
  await adminShot(page, "1-index-1366");
  violations.push(...await axe(page, "admin index 1366px"));
  await click(page, "a[href='/staff/admin/users']");
  await page.fill("#new_username", "dispatch1");
  await page.selectOption("#new_role", "bureau");
  await click(page, "#add button[type=submit]");
  // A bureau account without its bureau: refused by that field, the name kept.
  if (!(await page.content()).includes("部门账号须指定本方案中的部门")) fail("a bureau account without a bureau was not refused");
  if ((await page.inputValue("#new_username")) !== "dispatch1") fail("the username typed was lost");
  await adminShot(page, "2-user-refused-1366");
  violations.push(...await axe(page, "admin users refused 1366px"));
  await page.selectOption("#new_bureau", "ecology_environment");
  await click(page, "#add button[type=submit]");
  if (!(await page.content()).includes("用户名已存在")) fail("a taken username was not refused");
  await page.fill("#new_username", "envstaff");
  await click(page, "#add button[type=submit]");
  const newPassword = (await page.textContent(".once .secret code")).trim();
  if (newPassword.length < 12) fail(`no password shown: ${newPassword}`);
  await adminShot(page, "3-user-added-1366");
  violations.push(...await axe(page, "admin user added 1366px"));
  // The new account logs in with it.
  const fresh = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  const fp = await fresh.newPage();
  await fp.goto(`${base}/staff/login`);
  await fp.fill("#username", "envstaff");
  await fp.fill("#password", newPassword);
  await click(fp, "button[type=submit]");
  if (!fp.url().includes("/staff/queue")) fail("the new account cannot log in");
  await fresh.close();
  // A relay: its key shown once.
  await page.goto(`${base}/staff/admin/relays`);
  await page.fill("#relay_name", "市12345热线");
  await page.selectOption("#relay_source", "hotline");
  await page.fill("#relay_callback", "https://relay.example.gov.cn/tipline/callback");
  await click(page, "#add button[type=submit]");
  if (!(await page.textContent(".once .secret code")).trim()) fail("no relay key shown");
  await adminShot(page, "4-relay-added-1366");
  violations.push(...await axe(page, "admin relay added 1366px"));
  const relayPath = await page.getAttribute("td.name a", "href");
  // A registry CSV with a bad third line.
  await page.goto(`${base}/staff/admin/enterprises`);
  const csv = "credit_code,name,address,district,industry\n" +
    "91440300MA5DC6QX9X,深圳市甲钢铁有限公司,宝安区沙井街道1号,宝安区,钢铁\n" +
    "91440300ABC,深圳市短代码有限公司,地址,宝安区,钢铁\n" +
    "91440300MA5G2JKH0H,深圳市乙纸业有限公司,龙岗区坪地街道2号,朝阳区,造纸\n";
  const upload = async (p) => {
    await p.setInputFiles("#file", { name: "registry.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await click(p, "#upload button[type=submit]");
    const text = await p.textContent(".import-summary");
    if (!text.includes("第 3 行") || !text.includes("第 4 行")) fail(`the refused lines are not named: ${text}`);
  };
  await upload(page);
  await adminShot(page, "5-import-1366");
  violations.push(...await axe(page, "admin import 1366px"));

  const small = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  await small.addCookies(await admin.cookies());
  const sp = await small.newPage();
  const check390 = async (name) => {
    await sp.screenshot({ path: `${shots}/admin-${name}-390.png`, fullPage: true });
    const width = await sp.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) fail(`${name} is ${width}px wide on a 390px screen`);
    const text = await sp.evaluate(() => document.body.innerText);
    for (const bad of ["UTC", "ecology_environment", "industry_it", "baoan"]) {
      if (text.includes(bad)) fail(`${name} shows ${JSON.stringify(bad)}`);
    }
    violations.push(...await axe(sp, `admin ${name} 390px JS off`));
  };
  for (const [path, name] of [["/staff/admin", "6-index"], ["/staff/admin/users", "7-users"],
    ["/staff/admin/users/envstaff", "8-user"], ["/staff/admin/relays", "9-relays"], [relayPath, "10-relay"],
    ["/staff/relays/outbox", "11-outbox"], ["/staff/admin/enterprises", "12-registry"]]) {
    await sp.goto(`${base}${path}`);
    await check390(name);
  }
  await sp.goto(`${base}/staff/admin/users/envstaff`);
  await Promise.all([sp.waitForLoadState("load"), sp.click("form[action$='/totp'] button")]);
  if (!(await sp.$("#enrol svg"))) fail("no QR code drawn");
  await check390("13-totp");
  await sp.goto(`${base}/staff/admin/enterprises`);
  await upload(sp);
  await check390("14-import");
  await small.close();
  await admin.close();
  if (violations.length) fail(`axe:\n  ${violations.join("\n  ")}`);
  console.log(`staff check: case ${caseUrl.split("/").pop()} closed, rated 不满意 and reopened; the reporter reads each step; an administrator added an account, a relay and a registry import; screenshots in ${shots}`);
} catch (e) {
  console.error("FAIL:", e.message);
  for (const ctx of browser.contexts()) {
    for (const p of ctx.pages()) await p.screenshot({ path: `${shots}/staff-failure-${ctx.pages().indexOf(p)}.png`, fullPage: true }).catch(() => {});
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
