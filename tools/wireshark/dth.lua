-- dth.lua -- names the RFC 9401 Death (DTH) flag and the RFC 3514 evil bit
-- in Wireshark / tshark. Wireshark 4.0 shows DTH only as a set reserved bit
-- (tcp.flags.res, mask 0x0e00 of the 12-bit flags); RFC 9401 puts DTH at
-- bit 0x08 of TCP header byte 12 (0x0800 of the flags word), so a 20-byte
-- header with DTH reads 0x58 instead of 0x50.
--
-- Use:   tshark -X lua_script:tools/wireshark/dth.lua -r file.pcap -Y "dth.flag == 1"
--        tshark -X lua_script:tools/wireshark/dth.lua -r file.pcap \
--               -T fields -e frame.number -e dth.flag -e dth.evil
-- or copy it to ~/.local/lib/wireshark/plugins/.
--
-- Fields:  dth.flag  (bool) DTH bit of each TCP header in the frame
--          dth.evil  (bool) evil bit of each IPv4 header in the frame
-- RFC 9401 3.4: the two MUST be interpreted independently -- they are two
-- fields and neither one's value changes how the other is shown.
-- Expert info: "Death flag set (RFC 9401)" (note) on every DTH segment, plus
-- notes on the combinations RFC 9401 3.3 advises against (FIN, URG, the
-- handshake) and on a bare DTH ACK, which a peer may count as a duplicate ACK.

local dth = Proto("dth", "Death flag (RFC 9401) and evil bit (RFC 3514)")

local f_flag = ProtoField.bool("dth.flag", "Death flag (DTH)", 8,
	{ "Set: the sender will likely be terminated soon", "Not set" }, 0x08,
	"RFC 9401 DTH flag: bit 0x08 of TCP header byte 12")
local f_evil = ProtoField.bool("dth.evil", "Evil bit", 8,
	{ "Evil", "Not evil" }, 0x80,
	"RFC 3514 security flag: the reserved bit of the IPv4 flags")
dth.fields = { f_flag, f_evil }

local e_dth = ProtoExpert.new("dth.flag.set", "Death flag set (RFC 9401)",
	expert.group.PROTOCOL, expert.severity.NOTE)
local e_fin = ProtoExpert.new("dth.flag.fin",
	"DTH on a FIN: SHOULD NOT be sent, and a recipient SHOULD ignore it, unless it is an expert at Hokuto-Shinken (RFC 9401 3.3)",
	expert.group.PROTOCOL, expert.severity.NOTE)
local e_urg = ProtoExpert.new("dth.flag.urg",
	"DTH with URG: SHOULD NOT be sent together (RFC 9401 3.3)",
	expert.group.PROTOCOL, expert.severity.NOTE)
local e_syn = ProtoExpert.new("dth.flag.syn",
	"DTH in the handshake: NOT RECOMMENDED (RFC 9401 3.3)",
	expert.group.PROTOCOL, expert.severity.NOTE)
local e_bare = ProtoExpert.new("dth.flag.bare_ack",
	"DTH on a segment without data, SYN or FIN: may count as a duplicate ACK at the peer",
	expert.group.SEQUENCE, expert.severity.NOTE)
local e_evil = ProtoExpert.new("dth.evil.set", "Evil bit set (RFC 3514)",
	expert.group.SECURITY, expert.severity.NOTE)
dth.experts = { e_dth, e_fin, e_urg, e_syn, e_bare, e_evil }

local tcp_flags = Field.new("tcp.flags")
local tcp_len = Field.new("tcp.len")
local ip_flags = Field.new("ip.flags")
local icmp_type = Field.new("icmp.type")

-- A header quoted inside an ICMP error is not this packet's own header:
-- it is shown, but it gets no expert note and no Info-column mark.
-- (FieldInfo offsets count from the start of the frame.)
local function quoted(fi, icmp)
	return icmp ~= nil and fi.offset > icmp.offset
end

function dth.dissector(tvb, pinfo, tree)
	local tflags = { tcp_flags() }
	local iflags = { ip_flags() }
	if #tflags == 0 and #iflags == 0 then
		return
	end
	local icmp = icmp_type()
	local lens = { tcp_len() }
	local root = tree:add(dth)
	local summary = {}

	for _, fi in ipairs(iflags) do
		local r = fi.range
		if r ~= nil and r:len() >= 1 then
			local b = r:range(0, 1)
			local item = root:add(f_evil, b)
			if quoted(fi, icmp) then
				item:append_text(" (in the IPv4 header quoted by ICMP)")
			elseif bit.band(b:uint(), 0x80) ~= 0 then
				item:add_proto_expert_info(e_evil)
				summary[#summary + 1] = "Evil"
			end
		end
	end

	for i, fi in ipairs(tflags) do
		local r = fi.range
		if r ~= nil and r:len() >= 2 then
			local b12 = r:range(0, 1)
			local item = root:add(f_flag, b12)
			local set = bit.band(b12:uint(), 0x08) ~= 0
			if quoted(fi, icmp) then
				item:append_text(" (in the TCP header quoted by ICMP)")
			elseif set then
				item:add_proto_expert_info(e_dth)
				summary[#summary + 1] = "DTH"
				local flags = r:range(1, 1):uint()
				local fin = bit.band(flags, 0x01) ~= 0
				local syn = bit.band(flags, 0x02) ~= 0
				local rst = bit.band(flags, 0x04) ~= 0
				local urg = bit.band(flags, 0x20) ~= 0
				if fin then item:add_proto_expert_info(e_fin) end
				if urg then item:add_proto_expert_info(e_urg) end
				if syn then item:add_proto_expert_info(e_syn) end
				local len = lens[i] and lens[i].value or nil
				if len == 0 and not (fin or syn or rst) then
					item:add_proto_expert_info(e_bare)
				end
			end
		end
	end

	if #summary > 0 then
		root:append_text(": " .. table.concat(summary, ", "))
		pinfo.cols.info:append(" [" .. table.concat(summary, "] [") .. "]")
	end
end

register_postdissector(dth)
