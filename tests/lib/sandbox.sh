# sandbox.sh - sourced by e2e scripts after e2e.sh: the sandbox's control API in shell words.
#   sbx_reset SEED PEOPLE, sbx_person JSON, sbx_event JSON, sbx_knobs JSON, sbx_stat NAME,
#   sbx_writes (every write call that changes data, both systems), sf_box EMAIL [Contact|Lead],
#   ac_list EMAIL LIST, ac_tags EMAIL
sbx_post() { curl -fsS -X POST -H 'Content-Type: application/json' "$SANDBOX_CONTROL/$1" -d "$2"; }
sbx_reset() { sbx_post reset "{\"seed\":$1,\"people\":$2}" >/dev/null || fail "sandbox reset"; }
sbx_person() { sbx_post people "$1" >/dev/null || fail "sandbox person: $1"; }
sbx_event() { sbx_post event "$1" >/dev/null || fail "sandbox event: $1"; }
sbx_knobs() { sbx_post knobs "$1" >/dev/null || fail "sandbox knobs: $1"; }
sbx_stat() { curl -fsS "$SANDBOX_CONTROL/stats" | json "d['$1']"; }
sbx_writes() {
	curl -fsS "$SANDBOX_CONTROL/stats" |
		json "d['composite_records']+d['bulk_records']+d['ac_contact_list_writes']+d['ac_contact_tags_added']+d['ac_contacts_created']+d['ac_tags_created']"
}
sbx_state() { curl -fsS -G "$SANDBOX_CONTROL/state" --data-urlencode "email=$1"; }
# The box of the person's first record of that object (Contact by default); "none" when absent.
sf_box() {
	sbx_state "$1" | json "next((str(r['HasOptedOutOfEmail']) for r in d['sf'] if r['type']=='${2:-Contact}'), 'none')"
}
ac_list() { sbx_state "$1" | json "(d['ac'] or {}).get('lists',{}).get('$2',{}).get('status','none')"; }
ac_tags() { sbx_state "$1" | json "' '.join(sorted((d['ac'] or {}).get('tags',[])))"; }
# sf_browser_refresh_token: a refresh token from the sandbox's web-server flow with PKCE, as an admin
# clicking "Connect Salesforce" gets one (needs the knob oauth_auto_approve on); "" on failure.
sf_browser_refresh_token() {
	local verifier challenge loc code
	verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	challenge=$(printf '%s' "$verifier" | python3 -c "import sys,hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode().rstrip('='))")
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -G "$SF_URL/services/oauth2/authorize" --data-urlencode response_type=code \
		--data-urlencode client_id=sandbox-client-id --data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode state=s1 \
		--data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256)
	code=$(printf '%s' "$loc" | python3 -c "import sys,urllib.parse as u;print(u.parse_qs(u.urlparse(sys.stdin.read()).query).get('code',[''])[0])")
	curl -fsS "$SF_URL/services/oauth2/token" --data grant_type=authorization_code --data-urlencode "code=$code" \
		--data-urlencode redirect_uri=http://127.0.0.1/cb --data-urlencode "code_verifier=$verifier" \
		--data client_id=sandbox-client-id --data client_secret=sandbox-client-secret | json "d.get('refresh_token','')"
}
