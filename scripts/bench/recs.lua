-- Recommendations for the 943 ML-100k users in turn (each thread starts at a different user).
local key = os.getenv("MLOPS_KEY")
local n = math.random(943)
request = function()
  n = n % 943 + 1
  return wrk.format("GET", "/api/users/" .. n .. "/recommendations?k=10", { ["x-api-key"] = key })
end
