#!/usr/bin/env bash
# Columns align by display width with Chinese titles at 80x24, 160x48 and
# 200x50; a live resize keeps the selection.
. "$(dirname "$0")/lib.sh"
make_demo
a=$(kefu new -t 'ALIGN-A 中文标题对齐测试' -c huaxin -p P1 -a 李伟)
b=$(kefu new -t 'ALIGN-B english title' -c northwind -p P1 -a sam)
start_console 80 24
wait_for "ALIGN-A" >/dev/null
check "80x24: titles start in the same column" test "$(column_of ALIGN-A)" = "$(column_of ALIGN-B)"
check "80x24: the header lines up with the titles" test "$(column_of TITLE)" = "$(column_of ALIGN-A)"
# Select B (equal priority and age: their order follows the random ids).
screen | sed -n 3p | grep -q ALIGN-B || keys j
resize 160 48
check "160x48: queue and detail side by side" wait_for "Timeline"
check "160x48: the selection survives the resize" wait_for "$b  ALIGN-B"
check "160x48: titles still align" test "$(column_of 'ALIGN-A 中文标题对齐测试 ')" = "$(column_of 'ALIGN-B english title ')"
check "160x48: the divider is straight" eventually sh -c "tmux -L $sock capture-pane -p | sed -n '2,47p' | python3 -c '
import sys, unicodedata as u
cols = set()
for line in sys.stdin.read().split(\"\\n\"):
    i = line.find(\"│\")
    if i >= 0:
        cols.add(sum(2 if u.east_asian_width(c) in \"WF\" else 1 for c in line[:i]))
sys.exit(0 if len(cols) == 1 else 1)'"
resize 200 50
check "200x50: still side by side" wait_for "Timeline"
resize 80 24
check "back to 80x24: queue alone" wait_gone "Timeline"
check "no row is wider than the screen" eventually sh -c "tmux -L $sock capture-pane -p | python3 -c '
import sys, unicodedata as u
bad = [l for l in sys.stdin.read().split(\"\\n\") if sum(2 if u.east_asian_width(c) in \"WF\" else 1 for c in l) > 80]
print(\"\\n\".join(bad))
sys.exit(0 if not bad else 1)'"
keys q
wait_for "KEFU-EXIT=0" >/dev/null
finish
