local key = os.getenv("MLOPS_KEY")
local n = math.random(943)
request = function()
  n = n % 943 + 1
  return wrk.format("GET", "/api/users/" .. n .. "/rows?rows=8&perRow=10", { ["x-api-key"] = key })
end
