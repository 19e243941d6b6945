#!/usr/bin/env bash
# Fault injection: kefu new / comment / status with the Nth call of open,
# write, fsync, rename, link, mkdir failing with ENOSPC, EIO or EACCES,
# and the Nth allocation failing. Each run must end in exit 0 with the
# write present, or a non-zero exit with 'kefu: ...' on stderr; never a
# signal (but abort after "out of memory", like git); and the desk must
# stay whole: the next kefu run works, kefu fsck and git fsck are clean.
# KEFU_FAULT_FULL=1 tries every N (make stress, about 20 minutes); else
# a sample.
set -u
here=$(cd "$(dirname "$0")" && pwd)
KEFU_BIN=${KEFU_BIN:-$here/../../build/kefu}
SHIM=${KEFU_FAULT_SHIM:-$here/../../build/fault.so}
full=${KEFU_FAULT_FULL:-0}
tmp=$(mktemp -d /tmp/kefu-fault.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Li Wei" GIT_AUTHOR_EMAIL=li.wei@kefu.example
export GIT_COMMITTER_NAME="Li Wei" GIT_COMMITTER_EMAIL=li.wei@kefu.example
unset KEFU_DESK KEFU_NOW VISUAL EDITOR
mkdir -p "$HOME"
desk=$tmp/desk
kefu() { "$KEFU_BIN" --desk "$desk" "$@"; }
"$KEFU_BIN" init "$desk" >/dev/null 2>&1 && kefu customer add acme "Acme Ltd" >/dev/null 2>&1 || { echo "fault: cannot make a desk"; exit 1; }
id=$(kefu new -t "fault target" -c acme)

runs=0 injected=0 failed_ok=0 passed_ok=0 bad=0
problem() { bad=$((bad + 1)); echo "not ok - $*"; }

# run_cmd CMD MARK: the command line for one write.
run_cmd() {
	case $1 in
	new) kefu new -t "$2" -c acme ;;
	comment) kefu comment "$id" -m "$2" ;;
	status) kefu status "$id" $([ $((runs % 2)) = 0 ] && echo waiting || echo in-progress) -m "$2" ;;
	esac
}

# How many calls of op one command makes.
calls() {
	rm -f "$tmp/log"
	LD_PRELOAD=$SHIM KEFU_FAULT_OPS=$2 KEFU_FAULT_N=0 KEFU_FAULT_LOG=$tmp/log run_cmd "$1" "count-$1-$2" >/dev/null 2>&1
	awk '{print $3}' "$tmp/log" 2>/dev/null || echo 0
}

# The Ns to try out of 1..max: about a dozen spread out; with
# KEFU_FAULT_FULL all of them (every 10th of the ~7,500 allocations).
pick() {
	local max=$1 op=$2
	if [ "$full" = 1 ] && [ "$op" = malloc ]; then seq 1 10 "$max"; return; fi
	if [ "$full" = 1 ] || [ "$max" -le 12 ]; then seq 1 "$max"; return; fi
	python3 -c "
import sys; m = int(sys.argv[1]); s = set([1, 2, 3, m])
k = 1.0
while k < m: s.add(int(k)); k *= 2.2
print('\n'.join(str(x) for x in sorted(s)))" "$max"
}

check_desk() {
	kefu fsck >/dev/null 2>"$tmp/e2" || problem "kefu fsck after $1: $(cat "$tmp/e2")"
	git -C "$desk" fsck --no-dangling >/dev/null 2>"$tmp/e2" || problem "git fsck after $1: $(head -2 "$tmp/e2")"
}

errnos=(ENOSPC EIO EACCES)
for cmd in new comment status; do
	for op in open write fsync rename link mkdir malloc; do
		max=$(calls "$cmd" "$op")
		for n in $(pick "$max" "$op"); do
			runs=$((runs + 1))
			err=${errnos[runs % 3]}
			mark="fault-$cmd-$op-$n-$err"
			rm -f "$tmp/log"
			LD_PRELOAD=$SHIM KEFU_FAULT_OPS=$op KEFU_FAULT_N=$n KEFU_FAULT_ERRNO=$err KEFU_FAULT_LOG=$tmp/log \
				run_cmd "$cmd" "$mark" >"$tmp/out" 2>"$tmp/err"
			rc=$?
			what="$cmd with $op call $n failing ($err)"
			[ -s "$tmp/log" ] && injected=$((injected + 1))
			if [ "$rc" -ge 128 ]; then
				if [ "$op" = malloc ] && [ "$rc" = 134 ] && grep -q 'out of memory' "$tmp/err"; then
					failed_ok=$((failed_ok + 1))
				else
					problem "$what: killed by signal $((rc - 128)): $(tail -2 "$tmp/err")"
				fi
			elif [ "$rc" -ne 0 ]; then
				if [ ! -s "$tmp/err" ] || grep -qv '^kefu: ' "$tmp/err"; then
					problem "$what: exit $rc without a 'kefu: ' message: $(head -3 "$tmp/err")"
				else
					failed_ok=$((failed_ok + 1))
				fi
			else
				# Done: the write must be there.
				if [ "$cmd" = new ]; then
					kefu show "$(cat "$tmp/out")" >/dev/null 2>&1 || problem "$what: reported done, ticket missing"
				else
					git -C "$desk" grep -q -- "$mark" HEAD -- tickets || problem "$what: reported done, not in HEAD"
				fi
				passed_ok=$((passed_ok + 1))
			fi
			# The next run repairs and works.
			kefu list -s all >/dev/null 2>"$tmp/e2" || problem "the run after $what failed: $(cat "$tmp/e2")"
			[ $((runs % 25)) = 0 ] && check_desk "$what"
		done
	done
done
check_desk "the last run"
echo "fault injection: $runs runs, $injected faults injected, $failed_ok failed cleanly, $passed_ok succeeded anyway, $bad problems"
[ "$bad" -eq 0 ]
