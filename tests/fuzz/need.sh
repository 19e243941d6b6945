#!/usr/bin/env bash
# need.sh PKG...: install the Debian packages that are missing (as root),
# or say which command to run. Used by make fuzz for clang and libFuzzer.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "kefu: missing packages; run as root: apt-get update && $cmd"
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$cmd >/dev/null 2>&1 || { apt-get update >/dev/null && $cmd; }
