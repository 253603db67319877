-- Personalized search: 40 queries (exact, misspelt, prefixes, multi-word) for users in turn.
local key = os.getenv("MLOPS_KEY")
local queries = { "star wars", "star wras", "godfather", "godfahter", "toy story", "titanic", "titnic", "casablanca",
  "casablanka", "terminator", "termin", "jurassic park", "jurasic", "silence lambs", "silense of the lambs", "fargo",
  "pulp fiction", "pulp fictoin", "batman", "batmna", "alien", "aliens", "indiana jones", "indiana", "braveheart",
  "bravehart", "back to the future", "back future", "monty python", "monty pyton", "raiders", "empire strikes",
  "return jedi", "schindler", "schindlers list", "shawshank", "shawshenk", "apollo 13", "comedy", "thriller" }
local n = math.random(#queries)
local u = math.random(943)
request = function()
  n = n % #queries + 1
  u = u % 943 + 1
  local q = string.gsub(queries[n], " ", "%%20")
  return wrk.format("GET", "/api/search?q=" .. q .. "&user=" .. u .. "&k=10", { ["x-api-key"] = key })
end
