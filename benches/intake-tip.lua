-- wrk script: POST a realistic, varied tip per request (different firms,
-- districts, problems), so the measure is intake, not one firm's flood lock.
-- TIPLINE_DELAY_MS=N makes each connection wait N ms between requests (a
-- steady rate: connections × 1000 / (N + latency) tips/s).
local firms = {"宏达钢铁", "绿源印染", "华南水泥", "兴业陶瓷", "明辉皮革", "金鹏铜业", "南方玻璃", "鑫源铅业", "永丰铝材", "坪山蓄电池"}
local places = {"宝安区沙井街道", "龙岗区坪地街道", "龙华区观澜街道", "光明区公明街道", "坪山区坑梓街道", "宝安区松岗街道"}
local problems = {
  "晚上用中频炉炼钢，烟囱冒黑烟，附近居民反映强烈。",
  "偷偷往河里排黑水，河水发臭变色。",
  "用的还是300立方米的小高炉，早该淘汰了。",
  "车间漏气，安全隐患很大，工人没有防护。",
  "能耗严重超标，电费用得吓人。",
}
local n = 0
local delay_ms = tonumber(os.getenv("TIPLINE_DELAY_MS") or "0")

request = function()
  n = n + 1
  local firm = firms[(n % #firms) + 1] .. (n % 97)
  local place = places[(n % #places) + 1]
  local body = string.format(
    '{"description":"%s第%d号厂房的%s%s","enterprise_name":"深圳市%s有限公司","address":"%s%d号","contact":"138%08d"}',
    place, n, firm, problems[(n % #problems) + 1], firm, place, n % 500, n)
  return wrk.format("POST", "/api/v1/tips", {["Content-Type"] = "application/json"}, body)
end

if delay_ms > 0 then
  delay = function() return delay_ms end
end
