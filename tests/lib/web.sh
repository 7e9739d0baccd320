# web.sh - sourced by the e2e scripts that talk to the dashboard as a browser would: one cookie jar
# per user, the last answer's headers and body kept in $T/head and $T/body.
#   req JAR METHOD PATH [curl args]   prints the status code
#   get JAR PATH | post JAR PATH [curl args] (a same-origin POST) | csrf | header NAME | body
req() {
	local jar=$1 method=$2 path=$3
	shift 3
	curl -s -b "$jar" -c "$jar" -X "$method" -D "$T/head" -o "$T/body" -w '%{http_code}' "$@" "$BASE$path"
}
get() { req "$1" GET "$2"; }
post() {
	local jar=$1 path=$2
	shift 2
	req "$jar" POST "$path" -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin" "$@"
}
csrf() { grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//;s/"$//'; }
header() { grep -i "^$1:" "$T/head" | tr -d '\r' | sed 's/^[^:]*: //'; }
body() { cat "$T/body"; }
