-- /health needs no key; same script shape as the others so every run pays the same Lua cost.
request = function() return wrk.format("GET", "/health") end
