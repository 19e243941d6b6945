#!/usr/bin/env bash
# The bad input catalogue: every broken file, hostile id and stuck desk
# ends in one clear line naming the file (and line or field), a non-zero
# exit without a signal, and nothing else lost. Prints 'N passed, N failed'.
set -u
here=$(cd "$(dirname "$0")" && pwd)
KEFU_BIN=${KEFU_BIN:-$here/../../build/kefu}
tmp=$(mktemp -d /tmp/kefu-bad.XXXXXX)
sock=kefubad$$
passed=0
failed=0

export HOME=$tmp/home TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 ESCDELAY=25 TERM=xterm-256color
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Li Wei" GIT_AUTHOR_EMAIL=li.wei@kefu.example
export GIT_COMMITTER_NAME="Li Wei" GIT_COMMITTER_EMAIL=li.wei@kefu.example
export KEFU_NOW=2026-11-23T10:00:00Z XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
unset KEFU_DESK VISUAL EDITOR NO_COLOR KEFU_THEME
mkdir -p "$HOME"
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$KEFU_BIN" demo "$tmp/template" >/dev/null 2>&1 || { echo "cannot make the demo desk"; exit 1; }
desk=$tmp/desk
export KEFU_BIN desk tmp
kefu() { "$KEFU_BIN" --desk "$desk" "$@"; }
g() { git -C "$desk" "$@"; }
as_user() { "$@"; }

# A fresh copy of the demo desk; $id/$file: the ticket the case breaks.
fresh() {
	chmod -R u+w "$desk" 2>/dev/null
	rm -rf "$desk"
	cp -a "$tmp/template" "$desk"
	file=$(g ls-files 'tickets/*/*.json' | head -1)
	id=$(basename "$file" .json)
	all_before=$(kefu list -s all 2>/dev/null | grep -o 'T[0-9a-z]\{11\}' | sort)
	head_before=$(g rev-parse HEAD)
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -8; }

# expect NAME PATTERN CMD...: exit 1-127, stderr exactly one line
# 'kefu: ...' matching the (extended) PATTERN, within 20 seconds.
expect() {
	local name=$1 pat=$2 rc err
	shift 2
	err=$(timeout 20 bash -c "$(declare -f kefu g as_user); \"\$@\"" _ "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		not_ok "$name: exit 0" "$err"
	elif [ "$rc" -ge 124 ]; then
		not_ok "$name: killed or hung (exit $rc)" "$err"
	elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
		not_ok "$name: not one line" "$err"
	elif ! printf '%s\n' "$err" | grep -qE -- "^kefu: .*$pat"; then
		not_ok "$name: message does not match /$pat/" "$err"
	else
		ok "$name"
	fi
}

# intact NAME: every ticket but the broken one still lists, git is clean.
intact() {
	local name=$1 now
	now=$(kefu list -s all 2>/dev/null | grep -o 'T[0-9a-z]\{11\}' | sort)
	if [ "$(printf '%s\n' "$all_before" | grep -vc "^$id\$")" != "$(printf '%s\n' "$now" | grep -vc "^$id\$")" ]; then
		not_ok "$name: other tickets were lost" "$(diff <(echo "$all_before") <(echo "$now"))"
	elif ! g fsck --no-dangling >/dev/null 2>&1; then
		not_ok "$name: git fsck fails" "$(g fsck 2>&1 | head -3)"
	else
		ok "$name: nothing else lost"
	fi
}

# A broken ticket ($tmp/in) committed by plain git: show names the
# file, fsck names it, list skips only it.
bad_ticket() {
	local name=$1 pat=$2
	fresh
	cp "$tmp/in" "$desk/$file"
	g commit -qam "break $id" || { not_ok "$name: cannot commit"; return; }
	expect "$name: show" "'$file'.*$pat" kefu show "$id"
	expect "$name: fsck" "broken file" kefu fsck
	kefu fsck 2>/dev/null | grep -qF "$file" && ok "$name: fsck names it" || not_ok "$name: fsck names it"
	intact "$name"
}

good() { cat "$tmp/template/$tfile"; }
tfile=$(git -C "$tmp/template" ls-files 'tickets/*/*.json' | head -1)
tid=$(basename "$tfile" .json)

printf '' >"$tmp/in"
bad_ticket "empty file" "empty file"
good | head -c 300 >"$tmp/in"
bad_ticket "truncated JSON" "line [0-9]+: truncated JSON"
{ echo '<<<<<<< ours'; good; echo '======='; good; echo '>>>>>>> theirs'; } >"$tmp/in"
bad_ticket "conflict markers" "line 1: git conflict markers"
python3 -c 'print("{\"kefu\":1,\"x\":" + "[" * 1001 + "]" * 1001 + "}")' >"$tmp/in"
bad_ticket "1,001-deep nesting" "line 1: nested too deeply"
good | python3 -c '
import sys; t = sys.stdin.read(); i = t.rindex("}")
sys.stdout.write(t[:i] + ",\"huge\":\"" + "x" * (20 << 20) + "\"" + t[i:])' >"$tmp/in"
bad_ticket "a 20 MB comment" "bytes, more than the"
good | sed '3s/"id"/"\xff\xfeid"/' >"$tmp/in"
bad_ticket "invalid UTF-8" "line 3: invalid UTF-8"
good | sed '3s/"id": "/"id": "\x1b[2J/' >"$tmp/in"
bad_ticket "raw ESC in a string" "line 3: raw control character"
good | sed '3s/"id": "/"id": "\\u0000/' >"$tmp/in"
bad_ticket "\\u0000" 'line 3: \\u0000 in a string'
good | sed '3s/"id": "/"x": "\\ud800", "id": "/' >"$tmp/in"
bad_ticket "lone surrogate" "lone surrogate"
good | sed '3s/"id": "/"kefu": 1, "id": "/' >"$tmp/in"
bad_ticket "duplicate keys" "duplicate key 'kefu'"
good | sed '5s/"clock":[0-9]*/"clock":"one"/' >"$tmp/in"
bad_ticket "wrong type (clock)" "event 1 has no valid 'clock'"
good | sed '5s/"title":"[^"]*"/"title":42/' >"$tmp/in"
bad_ticket "wrong type (title)" "event 1 .*'title' must be a string"
good | sed 's/"events"/"evnts"/' >"$tmp/in"
bad_ticket "missing events" "'events' is not a list"
good | sed '5s/"by":"[^"]*",//' >"$tmp/in"
bad_ticket "missing by" "event 1 has no 'by'"
good | python3 -c '
import sys; t = sys.stdin.read().rstrip(); i = t.rindex("}", 0, t.rindex("]"))
print(t[:i + 1] + ",\n    {\"id\":\"E0000000zzzzzzzz\",\"clock\":999,\"at\":\"2026-11-23T10:00:00Z\",\"by\":\"x\",\"kind\":\"status\",\"value\":\"bogus\"}" + t[i + 1:])' >"$tmp/in"
bad_ticket "unknown status" "unknown status 'bogus'"
{ printf '\357\273\277'; good; } >"$tmp/in"
bad_ticket "BOM" "line 1: starts with a byte-order mark"
{ good; echo '{}'; } >"$tmp/in"
bad_ticket "trailing garbage" "line [0-9]+: trailing garbage"
good | sed "3s/\"$tid\"/\"..\\/..\\/etc\\/passwd\"/" >"$tmp/in"
bad_ticket "an id with ../ in the file" "'id' is not a ticket id"

# A ticket committed as a symbolic link.
fresh
rm "$desk/$file" && ln -s ../../kefu.json "$desk/$file" && g add -A && g commit -qm symlink
expect "symlink ticket: show" "'$file' is a symbolic link" kefu show "$id"
intact "symlink ticket"

# A FIFO where a ticket should be (work tree only: git cannot hold one).
fresh
rm "$desk/$file" && mkfifo "$desk/$file"
expect "FIFO ticket: fsck does not hang" "broken file" kefu fsck
kefu fsck 2>/dev/null | grep -qF "'$file' is not a regular file" && ok "FIFO ticket: fsck names it" || not_ok "FIFO ticket: fsck names it"
expect "FIFO ticket: show still reads HEAD" "" sh -c "\"$KEFU_BIN\" --desk '$desk' show $id >/dev/null && echo 'kefu: fine' >&2 && exit 3"
intact "FIFO ticket"

# Ids and slugs with ../ never become paths.
fresh
expect "show ../" "'\.\./\.\./kefu\.json' is not a ticket id" kefu show ../../kefu.json
expect "comment ../" "not a ticket id" kefu comment ../../etc/passwd -m hi
expect "new -c ../" "no customer '\.\./huaxin'|not a customer slug" kefu new -t x -c ../huaxin
expect "customer show ../" "no customer '\.\./\.\./kefu'|not a customer slug" kefu customer show ../../kefu
expect "kb show ../" "not .*slug|no article" kefu kb show ../../kefu
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "../: nothing was committed" || not_ok "../: nothing was committed"

# A comment of 20 MB from stdin is refused before anything is written.
fresh
python3 -c 'print("x" * (20 << 20))' >"$tmp/big.txt"
expect "20 MB comment from stdin" "comment is [0-9]+ bytes, more than the" sh -c "\"$KEFU_BIN\" --desk '$desk' comment $id <'$tmp/big.txt'"
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "20 MB comment: nothing was committed" || not_ok "20 MB comment: nothing was committed"

# Customer files.
bad_customer() {
	local name=$1 pat=$2
	fresh
	cp "$tmp/in" "$desk/customers/huaxin.json"
	g commit -qam "break huaxin"
	expect "$name: customer show" "'customers/huaxin.json'.*$pat" kefu customer show huaxin
	expect "$name: fsck" "broken file" kefu fsck
}
printf '{"slug": "huaxin", "name": "Huaxin",\n "name": "again"}\n' >"$tmp/in"
bad_customer "customer duplicate key" "duplicate key 'name'"
printf '{"slug": "huaxin", "name": 7}\n' >"$tmp/in"
bad_customer "customer wrong type" "needs a 'slug'.*'name'"
printf '{"slug": "huaxin", "name": "H", "contacts": [{"role": "x"}]}\n' >"$tmp/in"
bad_customer "customer contact without name" "'name' missing"
printf '{"slug": "huaxin"\n' >"$tmp/in"
bad_customer "customer truncated" "line [0-9]+: truncated JSON"

# kefu.json: missing, broken, wrong types.
fresh
g rm -q kefu.json && g commit -qm "no kefu.json"
expect "missing kefu.json" "is not a kefu desk \\(no kefu.json\\)" kefu list
fresh
g rm -q --cached kefu.json && g commit -qm "kefu.json untracked"
expect "kefu.json not committed" "has no committed kefu.json" kefu list
fresh
printf '{"kefu": 1,\n "name": "x",\n' >"$desk/kefu.json" && g commit -qam "cut kefu.json"
expect "truncated kefu.json" "'kefu.json': line [0-9]+: truncated JSON" kefu list
fresh
sed -i 's/"priorities": \[/"priorities": 5, "x": [/' "$desk/kefu.json" && g commit -qam "bad kefu.json"
expect "kefu.json wrong type" "'kefu.json': 'priorities' must be a non-empty list" kefu list
fresh
sed -i '2s/^/  "name": "again",\n/' "$desk/kefu.json" && g commit -qam "dup kefu.json"
expect "kefu.json duplicate key" "'kefu.json': duplicate key 'name'" kefu list

# Desks in a state kefu must not write into.
fresh
g rev-parse HEAD >"$desk/.git/MERGE_HEAD"
expect "mid-merge: comment refused" "a git merge is in progress" kefu comment "$id" -m hi
kefu list >/dev/null 2>&1 && ok "mid-merge: list still works" || not_ok "mid-merge: list still works"
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "mid-merge: nothing committed" || not_ok "mid-merge: nothing committed"

fresh
: >"$desk/.git/index.lock"
expect "index.lock present: comment refused" "index\.lock' exists" kefu comment "$id" -m hi
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "index.lock: nothing committed" || not_ok "index.lock: nothing committed"
rm "$desk/.git/index.lock"
kefu comment "$id" -m "after the lock" >/dev/null 2>&1 && ok "index.lock removed: comment works" || not_ok "index.lock removed: comment works"

fresh
g checkout -q --detach
expect "detached HEAD: comment refused" "HEAD is detached" kefu comment "$id" -m hi
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "detached HEAD: nothing committed" || not_ok "detached HEAD: nothing committed"

mkdir -p "$tmp/unborn" && git -C "$tmp/unborn" init -q
expect "unborn branch" "'$tmp/unborn' is not a kefu desk \\(no kefu.json\\)" "$KEFU_BIN" --desk "$tmp/unborn" list
cp "$tmp/template/kefu.json" "$tmp/unborn/"
expect "unborn branch with an uncommitted kefu.json" "has no committed kefu.json" "$KEFU_BIN" --desk "$tmp/unborn" list
expect "not a directory" "'$tmp/nowhere' is not a kefu desk" "$KEFU_BIN" --desk "$tmp/nowhere" list

fresh
ro_kefu=$KEFU_BIN
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$tmp" && chown -R nobody "$desk" && chmod -R a-w "$desk"
	# The checkout may sit under a directory only root can enter (mktemp -d).
	ro_kefu=$tmp/kefu-for-nobody
	install -m 755 "$KEFU_BIN" "$ro_kefu"
	as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$tmp" "$@"; }
else
	chmod -R a-w "$desk"
	as_user() { "$@"; }
fi
expect "read-only desk: comment refused" "cannot (create|write|open).*(Permission denied|Read-only)" as_user "$ro_kefu" --desk "$desk" comment "$id" -m hi
as_user "$ro_kefu" --desk "$desk" show "$id" >/dev/null 2>&1 && ok "read-only desk: show works" || not_ok "read-only desk: show works" "$(as_user "$ro_kefu" --desk "$desk" show "$id" 2>&1 >/dev/null)"
chmod -R u+w "$desk"; chown -R "$(id -u)" "$desk"
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "read-only desk: nothing committed" || not_ok "read-only desk: nothing committed"

fresh
expect "no git identity" "no git identity" env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u GIT_COMMITTER_NAME -u GIT_COMMITTER_EMAIL "$KEFU_BIN" --desk "$desk" comment "$id" -m hi
[ "$(g rev-parse HEAD)" = "$head_before" ] && ok "no git identity: nothing committed" || not_ok "no git identity: nothing committed"

fresh
g remote remove origin 2>/dev/null
expect "no remote: sync" "remote" kefu sync

# A terminal smaller than 20x5.
fresh
tmux -L "$sock" -f /dev/null new-session -d -x 19 -y 4 "'$KEFU_BIN' --desk '$desk'; echo KEFU-EXIT=\$?; sleep 30"
shown=""
for _ in $(seq 250); do
	shown=$(tmux -L "$sock" capture-pane -p)
	printf '%s' "$shown" | grep -q "too small" && break
	sleep 0.02
done
printf '%s' "$shown" | grep -q "too small" && ok "19x4 terminal: 'too small'" || not_ok "19x4 terminal: 'too small'" "$shown"
tmux -L "$sock" resize-window -x 80 -y 24 2>/dev/null
for _ in $(seq 250); do
	tmux -L "$sock" capture-pane -p | grep -q "TITLE" && break
	sleep 0.02
done
tmux -L "$sock" capture-pane -p | grep -q "TITLE" && ok "resized to 80x24: the queue shows" || not_ok "resized to 80x24: the queue shows"
tmux -L "$sock" send-keys q
for _ in $(seq 250); do
	tmux -L "$sock" capture-pane -p | grep -q "KEFU-EXIT=0" && break
	sleep 0.02
done
tmux -L "$sock" capture-pane -p | grep -q "KEFU-EXIT=0" && ok "quits cleanly" || not_ok "quits cleanly"

echo "bad input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
