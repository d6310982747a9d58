-- wrk script: rotate over the paths given after `--`, count responses by status, and
-- print one JSON line that bench/http_bench.py parses.
--
--   wrk -t2 -c64 -d60s -s bench/loadtest.lua http://127.0.0.1:8000 -- /codes/S9329/ /codes/
--
-- With `--bust` among the arguments every request gets a unique query string.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   bust = false
   for _, path in ipairs(args) do
      if path == "--bust" then
         bust = true
      else
         table.insert(paths, path)
      end
   end
   if #paths == 0 then
      table.insert(paths, wrk.path)
   end
   -- Threads start at different places so they do not ask for the same page in step.
   position = math.random(#paths)
   statuses = {}
end

function request()
   position = position % #paths + 1
   local path = paths[position]
   if bust then
      -- A unique query string per request: every page is rendered, none is served
      -- from the per-process page cache.
      counter = (counter or 0) + 1
      local separator = path:find("?", 1, true) and "&" or "?"
      path = string.format("%s%sbust=%d-%d", path, separator, id or 0, counter)
   end
   return wrk.format("GET", path)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local totals = {}
   for _, thread in ipairs(threads) do
      local counted = thread:get("statuses")
      for status, count in pairs(counted) do
         totals[status] = (totals[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(totals) do
      table.insert(parts, string.format('"%d": %d', status, count))
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
      '"statuses": {%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean,
      table.concat(parts, ", ")))
end
