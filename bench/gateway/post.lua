-- wrk script: POST the JSON body read from the file given after `--` (and, if given, send
-- the next argument as the Authorization header).
--   wrk -t1 -c32 -d10s -s bench/gateway/post.lua http://127.0.0.1:4000/graphql -- body.json
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["Authorization"] = args[2]
  end
end

function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors=%d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
