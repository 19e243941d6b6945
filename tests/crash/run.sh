#!/usr/bin/env bash
# Crash safety: kill kefu with SIGKILL at random moments during many
# writes, then check that every ticket parses, git fsck is clean, every
# write kefu reported done is there, and that kefu repairs what the kills
# left (stale locks, temp files, uncommitted files) by itself, saying so.
# KEFU_CRASH_CYCLES (default 60) writes are started; KEFU_SEED replays.
# Half the kills come at a random moment; with the fault shim
# (tests/fault/fault.c, KEFU_FAULT_SHIM) the other half come exactly at
# a random write, fsync, rename or link call, where a crash hurts most.
set -u
here=$(cd "$(dirname "$0")" && pwd)
KEFU_BIN=${KEFU_BIN:-$here/../../build/kefu}
SHIM=${KEFU_FAULT_SHIM:-$here/../../build/fault.so}
cycles=${KEFU_CRASH_CYCLES:-60}
seed=${KEFU_SEED:-$$}
RANDOM=$seed
tmp=$(mktemp -d /tmp/kefu-crash.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Li Wei" GIT_AUTHOR_EMAIL=li.wei@kefu.example
export GIT_COMMITTER_NAME="Li Wei" GIT_COMMITTER_EMAIL=li.wei@kefu.example
unset KEFU_DESK KEFU_NOW VISUAL EDITOR
mkdir -p "$HOME"
desk=$tmp/desk
kefu() { "$KEFU_BIN" --desk "$desk" "$@"; }
fail() { echo "crash loop: FAILED (KEFU_SEED=$seed): $*"; exit 1; }

"$KEFU_BIN" init "$desk" >/dev/null 2>&1 || fail "cannot make a desk"
kefu customer add acme "Acme Ltd" >/dev/null 2>&1 || fail "cannot add a customer"
ids=($(kefu new -t "first" -c acme) $(kefu new -t "second" -c acme))
[ ${#ids[@]} -eq 2 ] || fail "cannot log tickets"

# How long one write takes here: the kills land within it.
start=$(date +%s%N); kefu comment "${ids[0]}" -m calibrate >/dev/null 2>&1
span=$(( ($(date +%s%N) - start) / 1000 ))   # microseconds
[ "$span" -gt 1000 ] || span=1000
# Calls one write makes, per function, for the shim's kill points.
kill_ops=(write fsync rename link)
declare -A ncalls
if [ -f "$SHIM" ]; then
	for op in "${kill_ops[@]}"; do
		rm -f "$tmp/log"
		LD_PRELOAD=$SHIM KEFU_FAULT_OPS=$op KEFU_FAULT_N=0 KEFU_FAULT_LOG=$tmp/log kefu comment "${ids[1]}" -m count >/dev/null 2>&1
		ncalls[$op]=$(awk '{print $3}' "$tmp/log" 2>/dev/null)
	done
fi
shim_kills=0
done_comments=()
done_new=()
kills=0 notices=0 repairs_failed=0
: >"$tmp/notices"
for ((i = 1; i <= cycles; i++)); do
	id=${ids[RANDOM % ${#ids[@]}]}
	unset LD_PRELOAD KEFU_FAULT_OPS KEFU_FAULT_N KEFU_FAULT_ERRNO
	if [ -f "$SHIM" ] && [ $((i % 2)) = 0 ]; then
		op=${kill_ops[RANDOM % ${#kill_ops[@]}]}
		export LD_PRELOAD=$SHIM KEFU_FAULT_OPS=$op KEFU_FAULT_ERRNO=KILL
		export KEFU_FAULT_N=$(( RANDOM % (${ncalls[$op]:-1} + 2) + 1 ))
	fi
	# The binary itself in the background (not the kefu function: the
	# kill would hit a subshell and leave kefu running).
	case $((RANDOM % 4)) in
	0) set -- new -t "crash-new-$i" -c acme ;;
	1) set -- status "$id" $([ $((RANDOM % 2)) = 0 ] && echo in-progress || echo waiting) -m "crash-$i" ;;
	*) set -- comment "$id" -m "crash-$i" ;;
	esac
	"$KEFU_BIN" --desk "$desk" "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	unset LD_PRELOAD KEFU_FAULT_OPS KEFU_FAULT_N KEFU_FAULT_ERRNO
	if [ $((i % 2)) = 1 ] || [ ! -f "$SHIM" ]; then
		# Anywhere from before exec to after the commit.
		delay=$(( RANDOM * 32768 + RANDOM ))
		delay=$(( delay % (span * 3 / 2) ))
		sleep "$(printf '0.%06d' "$delay")"
		kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && [ $((i % 2)) = 0 ] && [ -f "$SHIM" ] && shim_kills=$((shim_kills + 1))
	if [ "$rc" -eq 0 ]; then
		if grep -q "^T" "$tmp/out" && ! grep -q ':' "$tmp/out"; then
			done_new+=("$(cat "$tmp/out")")
		else
			done_comments+=("crash-$i")
		fi
	fi
	# The next run repairs whatever the kill left, and says so.
	if ! kefu list -s all >/dev/null 2>"$tmp/err"; then
		repairs_failed=$((repairs_failed + 1))
		echo "after cycle $i: $(cat "$tmp/err")"
	fi
	grep -h '^kefu: ' "$tmp/err" >>"$tmp/notices"
done
notices=$(grep -c 'removed\|committed\|interrupted' "$tmp/notices")

# Nothing may be left over, and every file must be whole.
[ "$repairs_failed" -eq 0 ] || fail "$repairs_failed runs after a kill failed"
kefu fsck >/dev/null 2>"$tmp/err" || fail "kefu fsck: $(cat "$tmp/err")"
git -C "$desk" fsck --no-dangling >/dev/null 2>"$tmp/err" || fail "git fsck: $(head -3 "$tmp/err")"
left=$(cd "$desk" && find . -name '*.kefu-tmp' -o -name 'index.lock' -o -name '*.lock' -path './.git/refs/*'; ls .git/kefu | grep -E '^(lock|journal)' )
[ -z "$left" ] || fail "left behind: $left"
[ -z "$(git -C "$desk" status --porcelain)" ] || fail "uncommitted files: $(git -C "$desk" status --porcelain | head -3)"
lost=0
for c in "${done_comments[@]}"; do
	git -C "$desk" grep -q -- "\"$c\"" HEAD -- tickets || { echo "lost: $c"; lost=$((lost + 1)); }
done
for t in "${done_new[@]}"; do
	kefu show "$t" >/dev/null 2>&1 || { echo "lost: ticket $t"; lost=$((lost + 1)); }
done
[ "$lost" -eq 0 ] || fail "$lost writes reported done are missing"
done_total=$(( ${#done_comments[@]} + ${#done_new[@]} ))
echo "crash loop: $cycles writes, $kills killed at random moments, $shim_kills at a write/fsync/rename/link, $done_total reported done and all present, $notices repair notices, 0 lost (KEFU_SEED=$seed)"
