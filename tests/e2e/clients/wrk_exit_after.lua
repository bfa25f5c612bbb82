-- wrk script: count responses and exit the moment WRK_LIMIT of them have
-- been read (wrk itself only stops at the end of -d). Prints "done N".
-- Connections still in flight then are closed by the exit.
local n = 0
local limit = tonumber(os.getenv("WRK_LIMIT") or "100000")

response = function(status, headers, body)
  n = n + 1
  if status ~= 200 then
    io.stderr:write("status ", status, "\n")
    io.stderr:flush()
    os.exit(3)
  end
  if n >= limit then
    io.write("done ", n, "\n")
    io.flush()
    os.exit(0)
  end
end
