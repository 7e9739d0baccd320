#!/bin/sh
# nginx-conf.sh MODE ROOT PREFIX [PORT] - writes an nginx config from nginx.conf.in to stdout.
#   MODE local:      loopback http on 127.0.0.1:PORT, sandbox on, sockets and logs under PREFIX.
#   MODE production: TLS server block, sandbox commented out (nginx.conf.example).
mode=$1 root=$2 prefix=$3 port=${4:-8080}
tpl="$root/nginx.conf.in"
case "$mode" in
local)
	head="    server {\n        listen 127.0.0.1:$port;\n        server_name localhost;"
	sed -e "s#@PREFIX@#$prefix#g" -e "s#@ROOT@#$root#g" -e "s#@STATIC@#$prefix/static#g" -e "s#@DAEMON@#daemon on;#" \
	    -e "s#@SANDBOX_SOCKET@#$prefix/sandbox.sock#g" -e "s#@WEB_SOCKET@#$prefix/optsync.sock#g" \
	    -e "s#@SERVER_HEAD@#$head#" -e 's/ *#sandbox$//' -e '/#https$/d' "$tpl"
	;;
production)
	head="    \\# Any name but the dashboard's own (a scanner, a DNS-rebinding page) gets no answer at all.\n    server {\n        listen 80 default_server;\n        listen 443 ssl default_server;\n        server_name _;\n        ssl_reject_handshake on;\n        access_log off;\n        return 444;\n    }\n\n    server {\n        listen 80;\n        server_name optsync.example.com;\n        return 301 https://\$host\$request_uri;\n    }\n\n    server {\n        listen 443 ssl http2;\n        server_name optsync.example.com;\n        ssl_certificate /etc/letsencrypt/live/optsync.example.com/fullchain.pem;\n        ssl_certificate_key /etc/letsencrypt/live/optsync.example.com/privkey.pem;\n        ssl_protocols TLSv1.2 TLSv1.3;\n        add_header Strict-Transport-Security \"max-age=31536000\" always;"
	sed -e "s#@PREFIX@#/var/lib/optsync/nginx#g" -e "s#@ROOT@#/opt/optsync#g" -e "s#@STATIC@#/opt/optsync/static#g" -e "s#@DAEMON@#\# daemon on; (systemd runs nginx)#" \
	    -e "s#@SANDBOX_SOCKET@#/run/optsync/sandbox.sock#g" -e "s#@WEB_SOCKET@#/run/optsync/optsync.sock#g" \
	    -e "s#@SERVER_HEAD@#$head#" -e 's/ *#https$//' -e 's/ *#sandbox$/#sandbox/' -e 's/^\( *\)\(.*\)#sandbox$/\1# \2/' "$tpl" |
	sed -e '2,3d' -e '1s/.*/# nginx.conf.example - optsync in production (generated from nginx.conf.in by tools\/nginx-conf.sh; edit the template)./' \
	    -e 's#^pid .*#pid /run/nginx-optsync.pid;#' -e 's#^error_log .*#error_log /var/log/nginx/optsync-error.log warn;#' \
	    -e 's#access_log /var/lib/optsync/nginx/access.log#access_log /var/log/nginx/optsync-access.log#'
	;;
*) echo "usage: nginx-conf.sh local|production ROOT PREFIX [PORT]" >&2; exit 2 ;;
esac
