-- mod_ea_exchange: edgeaudit test-capture helper (static s2s addresses, one message each way).
local st = require "util.stanza";
local adns = require "net.adns";
local static = module:get_option("ea_static_hosts", {});

-- Answer A lookups from the map; SRV/AAAA/TLSA get "no records", so s2s
-- falls back to the domain's A address on port 5269 (RFC 6120 3.2.2).
if not adns.ea_patched then
	adns.ea_patched = true;
	adns.resolver = function ()
		return { lookup = function (_, cb, qname, qtype)
			local ip = static[(qname or ""):gsub("%.$", "")];
			if qtype == "A" and ip then cb({ { a = ip } }); else cb({}); end
		end };
	end;
end

local send_to = module:get_option_string("ea_send_to");
local from = module:get_option_string("ea_from");
if send_to and from then
	module:add_timer(1, function ()
		module:send(st.message({ from = from, to = send_to, type = "chat", id = "ea-1" })
			:tag("body"):text("Hello from " .. module.host):up());
	end);
end

-- Close every s2s stream gracefully (RFC 6120 4.4): </stream:stream>, then
-- TLS close_notify and FIN once the peer has closed its stream too.
local function close_all()
	for session in pairs(prosody.incoming_s2s) do session:close(); end
	for _, host in pairs(prosody.hosts) do
		for _, session in pairs(host.s2sout or {}) do session:close(); end
	end
	module:log("info", "EA-CLOSED");
end

local replied = false;
module:hook("message/bare", function (event)
	local s = event.stanza;
	module:log("info", "EA-RECEIVED %s -> %s: %s", s.attr.from, s.attr.to, s:get_child_text("body"));
	if module:get_option_boolean("ea_reply", false) and not replied then
		replied = true;
		module:send(st.message({ from = s.attr.to, to = s.attr.from, type = "chat", id = "ea-2" })
				:tag("body"):text("Hello back from " .. module.host):up());
	elseif module:get_option_boolean("ea_close", false) then
		module:add_timer(0.5, close_all);
	end
	return true;
end, 10);
