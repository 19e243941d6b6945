#!/bin/bash
# fossil.sh — the Fossil peer of make bench: the generator's Taskwarrior
# export loaded into Fossil's ticket system, then timed like run.sh times
# kefu (hyperfine medians, /usr/bin/time peak RSS).
#
# Usage: fossil.sh TASKS_JSON WORK_DIR SIZE RESULTS
#   appends "SIZE KEY VALUE" lines to RESULTS: fossil_import, fossil_list_all,
#   fossil_dump_all, fossil_list_filtered, fossil_search, fossil_add,
#   fossil_modify (ms) and fossil_rss (MB). BENCH_QUICK=1: fewer runs.
#   Prints a note and exits 0 when fossil or hyperfine is not installed.
#
# The bulk path: one ticket-change artifact per event (the opening with
# title, customer as subsystem, priority and the first annotation as
# comment; one per later annotation as icomment; one closing it), written
# as files and turned into a repository by `fossil reconstruct`; no
# `fossil ticket add` process per ticket. The repository is cached in
# WORK_DIR, keyed by the checksums of TASKS_JSON and of the mapping.
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: $0 TASKS_JSON WORK_DIR SIZE RESULTS" >&2
	exit 2
fi
JSON=$1 WORK=$2 SIZE=$3 RESULTS=$4
note() { printf '%s\n' "$*" >&2; }
for tool in fossil hyperfine python3; do
	if ! command -v "$tool" >/dev/null; then
		note "fossil.sh: $tool is not installed; skipping the Fossil peer"
		exit 0
	fi
done
[ -f "$JSON" ] || { note "fossil.sh: no $JSON"; exit 2; }
mkdir -p "$WORK/fossil-home"
WORK=$(cd "$WORK" && pwd)
export HOME=$WORK/fossil-home FOSSIL_HOME=$WORK/fossil-home USER=bench
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
QUICK=${BENCH_QUICK:-0}

put() { printf '%s %s %s\n' "$SIZE" "$1" "$2" >>"$RESULTS"; } # key value
runs() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }
ms_since() { python3 -c "import sys; print('%.1f' % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$(date +%s.%N)"; }

# Median of a hyperfine run, in milliseconds (as run.sh's hf).
hf() { # key runs command [hyperfine options...]
	local key=$1 n=$2 cmd=$3
	shift 3
	hyperfine --style none --runs "$n" --export-json "$WORK/fossil-hf.json" "$@" "$cmd" \
		>/dev/null 2>"$WORK/fossil-hf.err" || { note "hyperfine failed: $cmd"; cat "$WORK/fossil-hf.err" >&2; put "$key" NA; return 0; }
	put "$key" "$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$WORK/fossil-hf.json")"
}

# Median peak RSS (MB) over 3 runs of a command.
rss() { # key command...
	local key=$1 vals=()
	shift
	for _ in 1 2 3; do
		/usr/bin/time -f %M -o "$WORK/fossil-rss" "$@" >/dev/null 2>&1 || true
		vals+=("$(tail -1 "$WORK/fossil-rss")")
	done
	put "$key" "$(printf '%s\n' "${vals[@]}" | sort -n | sed -n 2p | awk '{printf "%.1f", $1/1024}')"
}

# Writes one ticket-change artifact per event into DIR (see the file
# format: D, J cards sorted by field, K, U, Z = MD5 of what precedes it).
convert() { # tasks.json dir
	python3 - "$1" "$2" <<'EOF'
import hashlib, json, os, sys

src, out = sys.argv[1], sys.argv[2]
PRIORITY = {"H": "High", "M": "Medium", "L": "Low"}


def enc(s):  # Fossil's card encoding
    return (s.replace("\\", "\\\\").replace(" ", "\\s").replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def date(ts):  # 20220906T090114Z -> 2022-09-06T09:01:14.000
    return "%s-%s-%sT%s:%s:%s.000" % (ts[0:4], ts[4:6], ts[6:8], ts[9:11], ts[11:13], ts[13:15])


count = 0


def artifact(path, when, fields, ticket):
    global count
    text = "D %s\n" % date(when)
    for name in sorted(fields):
        text += "J %s %s\n" % (name, enc(fields[name]))
    text += "K %s\nU bench\n" % ticket
    data = text.encode()
    data += b"Z " + hashlib.md5(data).hexdigest().encode() + b"\n"
    with open(path, "wb") as f:
        f.write(data)
    count += 1


for line in open(src, encoding="utf-8"):
    t = json.loads(line)
    ticket = hashlib.sha1(t["uuid"].encode()).hexdigest()
    sub = os.path.join(out, ticket[:2])
    os.makedirs(sub, exist_ok=True)
    notes = t.get("annotations", [])
    fields = {"type": "Incident", "status": "Open", "title": t["description"]}
    if t.get("project"):
        fields["subsystem"] = t["project"]
    if t.get("priority") in PRIORITY:
        fields["priority"] = PRIORITY[t["priority"]]
    if notes:
        fields["comment"] = notes[0]["description"]
    base = os.path.join(sub, ticket)
    artifact(base + ".0", t["entry"], fields, ticket)
    for i, a in enumerate(notes[1:], 1):
        artifact("%s.%d" % (base, i), a["entry"], {"icomment": a["description"]}, ticket)
    if t["status"] == "completed":
        artifact(base + ".z", t.get("end", t["entry"]), {"status": "Closed", "resolution": "Fixed"}, ticket)
print(count)
EOF
}

# A changed mapping (the convert function) makes a new repository too.
key=$( (sha1sum <"$JSON" && declare -f convert) | sha1sum | cut -c1-12)
pristine=$WORK/fossil-$SIZE-$key.fossil
if [ ! -f "$pristine.done" ]; then
	rm -f "$WORK"/fossil-"$SIZE"-*.fossil*
	# The artifacts are one small file each (438k at 100k tickets): on
	# tmpfs when it has room, as writing and deleting them on a busy disk
	# costs minutes. FOSSIL_ARTIFACTS_DIR overrides where they go.
	tmp=${FOSSIL_ARTIFACTS_DIR:-}
	if [ -z "$tmp" ]; then
		tmp=$WORK
		if [ -d /dev/shm ] && [ -w /dev/shm ] &&
			[ "$(df -Pk /dev/shm | awk 'NR==2{print $4}')" -gt $((SIZE * 40)) ]; then
			tmp=/dev/shm
		fi
	fi
	mkdir -p "$tmp"
	art=$(mktemp -d "$tmp/fossil-artifacts-$SIZE.XXXXXX")
	trap 'rm -rf "$art"' EXIT
	note "== $SIZE: Fossil: writing ticket-change artifacts and fossil reconstruct"
	t0=$(date +%s.%N)
	n=$(convert "$JSON" "$art")
	t1=$(date +%s.%N)
	fossil reconstruct "$pristine" "$art" >"$WORK/fossil-reconstruct.log" 2>&1 ||
		{ note "fossil reconstruct failed:"; tail -5 "$WORK/fossil-reconstruct.log" >&2; exit 1; }
	total=$(ms_since "$t0")
	note "  $n artifacts written in $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1") s; import in total $total ms"
	rm -rf "$art"
	trap - EXIT
	echo "$total" >"$pristine.import-ms"
	touch "$pristine.done"
else
	note "== $SIZE: Fossil: reusing $pristine (import time from when it was built)"
fi
put fossil_import "$(cat "$pristine.import-ms")"

# Changes go into a copy; the cached repository stays as imported.
repo=$WORK/fossil-$SIZE-run.fossil
cp "$pristine" "$repo"
f="fossil ticket show -R $repo"
ticket=$(fossil sql -R "$repo" "SELECT tkt_uuid FROM ticket ORDER BY tkt_uuid LIMIT 1" | tr -d "'")
tickets=$(fossil sql -R "$repo" "SELECT count(*) FROM ticket")
[ "$tickets" = "$SIZE" ] || note "  warning: $tickets tickets in Fossil, $SIZE expected"

note "== $SIZE: Fossil: list, filtered list, search, add, change"
big=0
[ "$SIZE" -gt 10000 ] && big=1
if [ $big = 1 ]; then n_list=$(runs 5 2) n_cmd=$(runs 7 3); else n_list=$(runs 10 3) n_cmd=$(runs 15 5); fi
# Report 1 is the GUI's "All Tickets" (one line per ticket); report 0 is
# every column of the TICKET table, description included.
hf fossil_list_all "$n_list" "$f 1" --warmup 1
hf fossil_dump_all "$n_list" "$f 0" --warmup 1
hf fossil_list_filtered "$n_cmd" "$f 1 \"subsystem='huaxin' AND status='Open'\"" --warmup 2
# No CLI command searches ticket text (fossil search reads only timeline
# comments; the FTS index serves the web UI): a LIKE filter over title,
# description and every later comment, as a report query.
hf fossil_search "$n_list" "$f 0 \"title LIKE '%发票%' OR comment LIKE '%发票%' OR tkt_id IN (SELECT tkt_id FROM ticketchng WHERE icomment LIKE '%发票%')\"" --warmup 1
hf fossil_add "$n_cmd" "fossil ticket add -R $repo title 'New ticket from the benchmark' type Incident status Open subsystem huaxin" --warmup 1
hf fossil_modify "$n_cmd" "fossil ticket change -R $repo $ticket icomment benchmark" --warmup 1 --prepare sync
rss fossil_rss $f 1
rm -f "$repo"
