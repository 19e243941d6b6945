# lib.sh — hermetic environment and tmux helpers for the console tests.
# Sourced by tests/e2e/tNNN-*.sh; tig's test/tools/libtest.sh is the model.
set -u

KEFU_BIN=${KEFU_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/kefu}
tmp=$(mktemp -d /tmp/kefu-e2e.XXXXXX)
sock=kefu$$
starts=0
passed=0
failed=0

export HOME=$tmp/home TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 ESCDELAY=25 TERM=xterm-256color
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Li Wei" GIT_AUTHOR_EMAIL=li.wei@kefu.example
export GIT_COMMITTER_NAME="Li Wei" GIT_COMMITTER_EMAIL=li.wei@kefu.example
export KEFU_NOW=2026-11-23T10:00:00Z XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
unset KEFU_DESK VISUAL EDITOR NO_COLOR KEFU_THEME
mkdir -p "$HOME"

cleanup() {
	local i=0
	while [ "$i" -le "$starts" ]; do
		tmux -L "kefu$$-$i" kill-server 2>/dev/null
		i=$((i + 1))
	done
	tmux -L "kefu$$" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

desk=$tmp/desk
kefu() { "$KEFU_BIN" --desk "$desk" "$@"; }

# A demo desk on the fixed clock.
make_demo() { "$KEFU_BIN" demo "$desk" >/dev/null || { echo "cannot make the demo desk"; exit 1; }; }

# start_console COLS ROWS [kefu args]: the console in a detached tmux.
start_console() {
	local cols=$1 rows=$2
	shift 2
	# A fresh tmux server each time: a killed one may still be going away.
	starts=$((starts + 1))
	sock=kefu$$-$starts
	tmux -L "$sock" -f /dev/null new-session -d -x "$cols" -y "$rows" \
		"'$KEFU_BIN' --desk '$desk' $*; echo KEFU-EXIT=\$?; sleep 60"
	tmux -L "$sock" set-option -g remain-on-exit on >/dev/null 2>&1
}

# console_pid: the kefu of the current tmux server (the pane's shell's
# child; a pattern match could find a console of an earlier server that
# is still going away).
console_pid() { pgrep -P "$(tmux -L "$sock" display-message -p '#{pane_pid}')" | head -1; }

# exited PID: the process has ended. A zombie counts: once the pane's
# shell is gone, it waits for whoever adopts it to reap it (a second or
# more on some machines).
exited() { ! kill -0 "$1" 2>/dev/null || ps -o stat= -p "$1" | grep -q '^Z'; }

keys() { tmux -L "$sock" send-keys "$@"; }
type_text() { tmux -L "$sock" send-keys -l "$1"; }
screen() { tmux -L "$sock" capture-pane -p; }
resize() { tmux -L "$sock" resize-window -x "$1" -y "$2" 2>/dev/null || tmux -L "$sock" resize-window -t 0 -x "$1" -y "$2"; }

# wait_for TEXT [SECONDS]: poll the screen until TEXT shows (no fixed sleeps).
wait_for() {
	local text=$1 limit=${2:-10} i=0
	while [ "$i" -lt $((limit * 50)) ]; do
		screen | grep -qF -- "$text" && return 0
		sleep 0.02
		i=$((i + 1))
	done
	echo "--- screen while waiting for '$text':"
	screen
	return 1
}

# wait_gone TEXT: until TEXT is no longer on the screen.
wait_gone() {
	local text=$1 i=0
	while [ "$i" -lt 500 ]; do
		screen | grep -qF -- "$text" || return 0
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

# wait_subject PATTERN: until HEAD's commit subject matches.
wait_subject() {
	local i=0
	while [ "$i" -lt 500 ]; do
		git -C "$desk" log -1 --format=%s | grep -qE -- "$1" && return 0
		sleep 0.02
		i=$((i + 1))
	done
	echo "HEAD is '$(git -C "$desk" log -1 --format=%s)', wanted /$1/"
	return 1
}

# eventually COMMAND...: poll until it succeeds (the screen settles).
eventually() {
	local i=0
	while [ "$i" -lt 250 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
		i=$((i + 1))
	done
	"$@"
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# Display width of a string (CJK counts 2), for alignment checks.
width() { "$KEFU_BIN" --desk "$desk" version >/dev/null; printf '%s' "$1" | python3 -c 'import sys,unicodedata as u;s=sys.stdin.read();print(sum(2 if u.east_asian_width(c) in "WF" else 0 if u.combining(c) else 1 for c in s))'; }

# The display column where NEEDLE starts on the first screen line holding it.
column_of() {
	screen | python3 -c '
import sys, unicodedata as u
needle = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    i = line.find(needle)
    if i >= 0:
        print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in line[:i]))
        break
else:
    print(-1)' "$1"
}

finish() {
	echo "$(basename "$0" .sh): $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
