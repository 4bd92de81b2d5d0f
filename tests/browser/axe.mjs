// axe-core on the page under test: every violation, named by page. The
// page's markup is checked in a JavaScript-enabled copy on the same origin
// (same stylesheets, same viewport), because axe cannot run in a context
// with JavaScript turned off — the state a reporter's page is tested in.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export async function axe(page, name) {
  const html = await page.content();
  const ctx = await page.context().browser().newContext({
    viewport: page.viewportSize(),
    bypassCSP: true,
    locale: "zh-CN",
  });
  try {
    const copy = await ctx.newPage();
    await copy.goto(new URL("/healthz", page.url()).href);
    await copy.setContent(html, { waitUntil: "load" });
    await copy.evaluate(source);
    const result = await copy.evaluate(() =>
      window.axe.run(document, { resultTypes: ["violations"] }));
    return result.violations.map((v) =>
      `${name}: ${v.id} (${v.nodes.length}×) ${v.help} — ${v.nodes[0]?.target?.join(" ")}`);
  } finally {
    await ctx.close();
  }
}
