-- wrk script of the benchmark runner (bench/load.py): requests from a file, in order, from a start line.
--   wrk ... -s bench/requests.lua URL -- FILE START ADMIN_TOKEN ESPECIALISTA_TOKEN NONCE DNI_BASE TEMPLATE
-- FILE: one request a line, tab-separated: METHOD, PATH, AUTH (A admin, E especialista, - none),
-- BODY (- none, REG a registration: TEMPLATE with {DNI} and {N} replaced, a unique Idempotency-Key).
-- The summary is written as one JSON object to the file named by BENCH_WRK_OUT.

local lines, count, position = {}, 0, 0
local tokens, nonce, dni_base, template = {}, "x", 0, ""

function init(args)
  for line in io.lines(args[1]) do
    local method, path, auth, body = line:match("^(%S+)\t([^\t]+)\t(%S)\t(%S+)$")
    if method then
      count = count + 1
      lines[count] = { method, path, auth, body }
    end
  end
  position = tonumber(args[2]) or 0
  tokens["A"] = args[3]
  tokens["E"] = args[4]
  nonce = args[5] or "x"
  dni_base = tonumber(args[6]) or 0
  template = args[7] or ""
end

function request()
  local line = lines[(position % count) + 1]
  position = position + 1
  local headers = {}
  if line[3] ~= "-" then
    headers["Authorization"] = "Bearer " .. tokens[line[3]]
  end
  local body = nil
  if line[4] == "REG" then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = nonce .. "-" .. position
    local dni = string.format("%08d", (dni_base + position) % 100000000)
    body = (template:gsub("{DNI}", dni):gsub("{N}", tostring(position)))
  end
  return wrk.format(line[1], line[2], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_WRK_OUT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
  out:close()
end
