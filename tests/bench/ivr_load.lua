-- The IVR of tests/bench/lua_ivr_load.sh: answer, then prompt and collect
-- four digits round after round; a confirmation tone after each good
-- entry. The count of good entries goes to the db store at the end.
local good = 0
session:answer()
while session:ready() do
  local digits = session:playAndGetDigits(4, 4, 1, 3000, "#",
    "tone_stream://%(1000,0,440)", "", "^[0-9]{4}$", "entered", 2000)
  if digits ~= "" then
    good = good + 1
    session:streamFile("tone_stream://%(1000,0,660)")
  end
end
session:execute("db", "insert/bench/" .. session:get_uuid() .. "/" .. good)
