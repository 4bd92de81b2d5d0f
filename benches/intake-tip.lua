-- wrk script: POST one realistic tip per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"description":"宝安区沙井街道某厂晚上用中频炉炼钢，烟囱冒黑烟，附近居民反映强烈。","enterprise_name":"深圳市宏达钢铁有限公司","district":"宝安区","industry":"钢铁","dimensions":["ditiaogang"],"contact":"13800000000"}'
