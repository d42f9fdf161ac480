-- Rotates through the read paths that run.sh wrote (one per line, in LOAD_PATHS), so
-- wrk's connections spread over lists, details, searches and filtered lists.
local paths = {}
for line in io.lines(os.getenv("LOAD_PATHS")) do
  paths[#paths + 1] = line
end

local counter = 0

-- Each wrk thread has its own copy of this script; a per-thread offset keeps them apart.
function setup(thread)
  thread:set("counter", math.random(#paths))
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end
