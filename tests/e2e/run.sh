#!/usr/bin/env bash
# Run every console test; print one summary line.
cd "$(dirname "$0")" || exit 1
total_pass=0
total_fail=0
for t in t[0-9][0-9][0-9]-*.sh; do
	out=$(bash "$t" 2>&1)
	echo "$out" | grep -E '^(ok|not ok|---)' | sed "s/^/$t: /" | grep -v '^.*: ok' || true
	echo "$out" | grep -A40 '^--- screen' | head -45
	p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	[ -n "$p" ] || { p=0; f=1; echo "$t: did not finish"; echo "$out" | tail -20; }
	echo "$t: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "e2e: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
