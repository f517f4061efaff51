-- The demo tenant's account IVR, written as a FreeSWITCH mod_lua script
-- (it runs unchanged there): asks for a four-digit account number, gives
-- three tries with an "invalid" tone between them, and routes accounts
-- starting with 1 to sales (5101), with 2 to support (5102). Anything else,
-- or no answer, gets a goodbye and the call ends.

local PROMPT = "tone_stream://%(300,100,440);%(300,100,660)"
local INVALID = "tone_stream://%(150,50,300);loops=3"
local GOODBYE = "tone_stream://%(600,0,392)"

function on_hangup(s, status)
  freeswitch.consoleLog("info", "account IVR left by " .. status .. "\n")
  s:setVariable("account_ivr_result", status)
end

session:answer()
session:setHangupHook("on_hangup")
session:sleep(500)

local account = session:playAndGetDigits(4, 4, 3, 5000, "#", PROMPT, INVALID,
  "^[0-9]{4}$", "account_number", 3000)

if account:sub(1, 1) == "1" then
  session:setVariable("account_branch", "sales")
  session:transfer("5101", "XML", "demo.test")
elseif account:sub(1, 1) == "2" then
  session:setVariable("account_branch", "support")
  session:transfer("5102", "XML", "demo.test")
elseif session:ready() then
  session:setVariable("account_branch", "unknown")
  session:streamFile(GOODBYE)
  session:hangup("NORMAL_CLEARING")
end
