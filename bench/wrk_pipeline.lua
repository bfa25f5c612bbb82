-- HTTP/1.1 pipelining for wrk: each write carries WRK_PIPELINE requests
-- (default 8), so the request rate is not bounded by one syscall per request.
local depth = tonumber(os.getenv("WRK_PIPELINE") or "8")

init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, wrk.path)
  end
  req = table.concat(r)
end

request = function()
  return req
end
