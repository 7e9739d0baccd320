# people.awk - benchmark people for the sandbox's control/people, as JSON: awk -f people.awk
#   -v prefix=p -v from=0 -v to=1000 -v mode=mix|sub|one [-v tagged=0] -v counts=FILE
# Person i is PREFIX<i>@bench.example with one Salesforce Contact and an ActiveCampaign contact
# already tagged added-to-salesforce-contact (so a first sync links it without a write), or not
# tagged with tagged=0 (the first sync then adds the tag).
#   mix: on each of the 5 lists with chance 60% (at least one), status 1 85%, 2 10%, 3 2%, 0 3%;
#        a bounced list (3) turns the person's other subscriptions to 2. The box is checked exactly
#        when AC says opted out, so a first sync has nothing to write: the calls are its reads.
#   sub: the same lists, every one status 1, box unchecked (everyone can opt out).
#   one: list 1 only, status 1, box unchecked.
# counts (mix/sub) gets "LIST STATUS MEMBERS" lines, added to what the file already holds, for the
# floor of reading each list's members by status.
function rnd() { seed = (seed * 48271) % 2147483647; return seed % 100 }
BEGIN {
	if (counts != "")
		while ((getline line < counts) > 0) {
			split(line, f, " ")
			cnt[f[1], f[2]] = f[3]
		}
	close(counts)
	printf "{\"people\":["
	for (i = from; i < to; i++) {
		seed = (i * 7919 + 104729) % 2147483647
		n = 0
		bounced = 0
		for (l = 1; l <= 5; l++) {
			st[l] = -1
			if (mode == "one") {
				if (l == 1)
					st[l] = 1
				continue
			}
			if (rnd() >= 60 && !(l == 5 && n == 0))
				continue
			r = rnd()
			st[l] = mode == "sub" ? 1 : r < 85 ? 1 : r < 95 ? 2 : r < 97 ? 3 : 0
			bounced += st[l] == 3
			n++
		}
		lists = ""
		active = 0
		out = 0
		for (l = 1; l <= 5; l++) {
			if (st[l] < 0)
				continue
			if (bounced && st[l] == 1)
				st[l] = 2
			lists = lists (lists == "" ? "" : ",") "\"" l "\":" st[l]
			cnt[l, st[l]]++
			active += st[l] == 1
			out += st[l] == 2 || st[l] == 3
		}
		opted = active == 0 && out > 0 ? "true" : "false"
		printf "%s{\"email\":\"%s%d@bench.example\",\"ac\":{\"lists\":{%s},\"tags\":[%s]},", \
			(i > from ? "," : ""), prefix, i, lists, (tagged == "0" ? "" : "\"added-to-salesforce-contact\"")
		printf "\"sf\":[{\"type\":\"Contact\",\"opted_out\":%s}]}", opted
	}
	print "]}"
	if (counts != "") {
		printf "" > counts
		for (l = 1; l <= 5; l++)
			for (s = 0; s <= 3; s++)
				printf "%d %d %d\n", l, s, cnt[l, s] + 0 > counts
		close(counts)
	}
}
