#!/bin/bash
# run.sh — make bench: builds (or reuses) desks of 10k and 100k tickets,
# times kefu with hyperfine (medians) and /usr/bin/time -v (peak RSS),
# runs Taskwarrior on the same tickets, and prints one table.
#
# Environment: KEFU_BIN (the kefu binary), BENCH_DIR (desks and results),
# BENCH_SIZES (default "10000 100000"), BENCH_QUICK=1 (fewer runs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KEFU=${KEFU_BIN:?KEFU_BIN is not set}
DIR=${BENCH_DIR:?BENCH_DIR is not set}
GEN=$DIR/kefu-bench-gen
PROBE=$DIR/kefu-bench-probe
SIZES=${BENCH_SIZES:-10000 100000}
QUICK=${BENCH_QUICK:-0}
# Desks are cached by the generator's source: a changed generator
# makes new desks.
GEN_VERSION=$(cat "$here/gen.c" | sha1sum | cut -c1-12)

export KEFU_NOW=2025-06-02T09:00:00Z TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
export GIT_AUTHOR_NAME="Bench User" GIT_AUTHOR_EMAIL=bench@kefu.example
export GIT_COMMITTER_NAME="Bench User" GIT_COMMITTER_EMAIL=bench@kefu.example
export GIT_CONFIG_NOSYSTEM=1 HOME=$DIR/home TERM=xterm-256color LINES=40 COLUMNS=140
mkdir -p "$DIR/home"
git config --global user.name "Bench User"
git config --global user.email bench@kefu.example
git config --global init.defaultBranch main

results=$DIR/results.txt
: >"$results"
note() { printf '%s\n' "$*" >&2; }
put() { printf '%s %s %s\n' "$1" "$2" "$3" >>"$results"; } # size key value

runs() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# Median of a hyperfine run, in milliseconds.
hf() { # size key runs command [hyperfine options...]
	local size=$1 key=$2 n=$3 cmd=$4
	shift 4
	hyperfine --style none --runs "$n" --export-json "$DIR/hf.json" "$@" "$cmd" \
		>/dev/null 2>"$DIR/hf.err" || { note "hyperfine failed: $cmd"; cat "$DIR/hf.err" >&2; put "$size" "$key" NA; return 0; }
	put "$size" "$key" "$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$DIR/hf.json")"
}

# Median peak RSS (MB) over RSS_RUNS (default 3) runs of a command.
rss() { # size key command...
	local size=$1 key=$2
	shift 2
	local vals=()
	for _ in $(seq "${RSS_RUNS:-3}"); do
		[ -n "${RSS_PREPARE:-}" ] && bash -c "$RSS_PREPARE"
		/usr/bin/time -f %M -o "$DIR/rss" "$@" >/dev/null 2>&1 || true
		vals+=("$(tail -1 "$DIR/rss")")
	done
	put "$size" "$key" "$(printf '%s\n' "${vals[@]}" | sort -n | sed -n "$(((${#vals[@]} + 1) / 2))p" | awk '{printf "%.1f", $1/1024}')"
}

# The console under a pseudo-terminal: draws its first screen and exits.
screen() { echo "script -qec '$KEFU --desk $1 --bench-exit-after-draw' /dev/null"; }

make_desk() { # size -> path of the cached pristine desk
	local size=$1 per=100 every=10 d=$DIR/desk-$1-$GEN_VERSION
	# 10k: a 10,000-commit desk, every ticket opened then closed (history);
	# larger desks: 100 tickets a commit and every 10th ticket twice, so
	# packing the objects stays within the time make bench may take.
	[ "$size" -le 10000 ] && per=1 every=1
	if [ ! -f "$d/.done" ]; then
		rm -rf "$d" "$DIR"/desk-"$size"-*
		note "generating $size tickets ($per per commit) in $d ..."
		local t0=$SECONDS
		"$GEN" "$d" "$size" --per-commit "$per" --history-every "$every" --taskwarrior "$d.tasks.json"
		git -C "$d" remote remove origin 2>/dev/null || true
		touch "$d/.done"
		note "  generated in $((SECONDS - t0)) s"
	fi
	echo "$d"
}

bench_size() {
	local size=$1 pristine work id ids t0
	pristine=$(make_desk "$size")
	work=$DIR/work-$size
	note "== $size tickets: copying the desk"
	rm -rf "$work" "$DIR/remote-$size.git" "$DIR/other-$size" "$DIR/sync-$size"
	cp -a "$pristine" "$work"
	# kefu starts "git gc --auto" past gc.auto loose objects, as git
	# does; the bench's own changes must not pack the desk in the
	# background while it measures.
	git -C "$work" config gc.auto 0
	put "$size" commits "$(git -C "$work" rev-list --count HEAD)"

	note "== $size: cold start (no derived index) to first screen"
	hf "$size" cold "$(runs 3 2)" "$(screen "$work")" --prepare "rm -rf $work/.git/kefu"
	RSS_RUNS=1 RSS_PREPARE="rm -rf $work/.git/kefu" rss "$size" rss_build script -qec "$KEFU --desk $work --bench-exit-after-draw" /dev/null
	RSS_PREPARE=""
	note "== $size: warm start"
	hf "$size" script_overhead "$(runs 10 3)" "script -qec true /dev/null"
	hf "$size" warm "$(runs 15 5)" "$(screen "$work")" --warmup 2
	rss "$size" rss_browse script -qec "$KEFU --desk $work --bench-exit-after-draw" /dev/null
	note "== $size: warm start after 100 / 1,000 changed tickets"
	hf "$size" warm100 "$(runs 7 3)" "$(screen "$work")" --prepare "$PROBE touch $work 100 \$RANDOM"
	hf "$size" warm1000 "$(runs 5 2)" "$(screen "$work")" --prepare "$PROBE touch $work 1000 \$RANDOM"
	"$KEFU" --desk "$work" list -n 1 >/dev/null

	mapfile -t ids < <("$PROBE" ids "$work" 3)
	id=${ids[0]}
	note "== $size: list, show, log, report"
	hf "$size" list_filtered "$(runs 15 5)" "$KEFU --desk $work list --customer huaxin --status open" --warmup 2
	hf "$size" list_all "$(runs 10 3)" "$KEFU --desk $work list --status all" --warmup 1
	hf "$size" show "$(runs 15 5)" "$KEFU --desk $work show $id" --warmup 2
	hf "$size" log "$(runs 5 2)" "$KEFU --desk $work log $id" --warmup 1
	hf "$size" report "$(runs 10 3)" "$KEFU --desk $work report weekly" --warmup 1
	hf "$size" kb_search_cli "$(runs 10 3)" "$KEFU --desk $work kb search 发票" --warmup 1

	note "== $size: search latency (in process, 100 queries)"
	python3 - "$DIR/queries.txt" <<'EOF'
import sys
zh = ["发票", "乱码", "审批", "报表", "库存查询", "导出", "闪退", "登录", "超时", "重复发送",
      "销售报表", "金额对不上", "服务器日志", "仓库", "财务", "筛选条件", "打印", "接口", "权限", "手机端",
      "企业微信", "出库单", "邮件通知", "操作日志", "清除浏览器缓存"]
en = ["invoice", "slow", "export times out", "approvals", "login", "duplicates", "warehouse", "finance",
      "crash", "filter", "report totals", "API", "inventory search", "audit log", "screenshot",
      "Singapore", "password", "workaround", "release", "delivery notes", "CSV import", "blank screen",
      "email notifications", "stock ledger", "server logs"]
with open(sys.argv[1], "w") as f:
    for i in range(50):
        f.write(zh[i % len(zh)] + ("" if i < 25 else " " + zh[(i * 7) % len(zh)]) + "\n")
        f.write(en[i % len(en)] + ("" if i < 25 else " " + en[(i * 7) % len(en)]) + "\n")
EOF
	"$PROBE" search "$work" "$DIR/queries.txt" >"$DIR/probe.out"
	put "$size" search_p50 "$(awk '$1=="search_p50"{print $2}' "$DIR/probe.out")"
	put "$size" search_p99 "$(awk '$1=="search_p99"{print $2}' "$DIR/probe.out")"

	note "== $size: one change"
	# A change as a user makes one: the disk idle (sync, untimed), as the
	# seconds between two commands leave it. Back to back, each waits for
	# the last one's 10 MB of git's index to reach the disk.
	hf "$size" comment "$(runs 10 3)" "$KEFU --desk $work comment ${ids[1]} -m benchmark" --warmup 1 --prepare sync
	hf "$size" comment_b2b "$(runs 10 3)" "$KEFU --desk $work comment ${ids[1]} -m benchmark" --warmup 1
	"$PROBE" apply "$work" 20 >"$DIR/probe.out"
	put "$size" apply_p50 "$(awk '$1=="apply_p50"{print $2}' "$DIR/probe.out")"
	put "$size" flush_p50 "$(awk '$1=="flush_p50"{print $2}' "$DIR/probe.out")"

	note "== $size: sync pulling 1,000 remote changes"
	git clone -q --bare "$work" "$DIR/remote-$size.git"
	git -C "$work" remote add origin "$DIR/remote-$size.git"
	git -C "$work" fetch -q origin
	git -C "$work" branch -q -u origin/main main
	git clone -q "$DIR/remote-$size.git" "$DIR/other-$size"
	# Same tree, so the work desk's index serves the clone (no cold build).
	mkdir -p "$DIR/other-$size/.git/kefu"
	cp "$work"/.git/kefu/index.db* "$DIR/other-$size/.git/kefu/"
	for round in 1 2 3 4 5 6 7 8 9 10; do
		"$PROBE" touch "$DIR/other-$size" 100 "$round" >/dev/null
	done
	git -C "$DIR/other-$size" push -q origin main
	hf "$size" sync "$(runs 3 1)" "$KEFU --desk $DIR/sync-$size sync" \
		--prepare "rm -rf $DIR/sync-$size && cp -a $work $DIR/sync-$size"
	rm -rf "$DIR/sync-$size" "$DIR/other-$size"

	bench_taskwarrior "$size" "$pristine.tasks.json"
	# Fossil at 10k by default: building its 100k repository takes
	# minutes more than make bench's budget (BENCH_FOSSIL_SIZES to change).
	case " ${BENCH_FOSSIL_SIZES:-10000} " in
	*" $size "*)
		note "== $size: Fossil"
		bash "$here/fossil.sh" "$pristine.tasks.json" "$DIR" "$size" "$results" ;;
	esac
}

bench_taskwarrior() { # size tasks.json
	local size=$1 json=$2 tw=$DIR/tw-$size
	note "== $size: Taskwarrior"
	rm -rf "$tw"
	mkdir -p "$tw/data"
	: >"$tw/taskrc"
	local task="task rc:$tw/taskrc rc.data.location=$tw/data rc.confirmation=no rc.verbose=nothing rc.hooks=off"
	local t0
	t0=$(date +%s.%N)
	$task import "$json" >/dev/null 2>&1
	put "$size" tw_import "$(python3 -c "import sys; print('%.1f' % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$t0" "$(date +%s.%N)")"
	local n=3
	[ "$size" -gt 10000 ] && n=2
	hf "$size" tw_list_filtered "$n" "$task project:huaxin status:pending list"
	hf "$size" tw_list_all "$n" "$task all"
	hf "$size" tw_search "$n" "$task /发票/ all"
	hf "$size" tw_add "$n" "$task add New ticket from the benchmark"
	hf "$size" tw_modify "$n" "$task 1 modify priority:H" --prepare sync
	rss "$size" tw_rss $task all
}

for size in $SIZES; do
	bench_size "$size"
done
python3 "$here/table.py" "$results" | tee "$DIR/table.md"
