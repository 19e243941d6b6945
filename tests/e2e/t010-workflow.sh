#!/usr/bin/env bash
# The service loop in the console: the triage page, the Flagged view, the
# R&D answer, fix in a release, notify, and a low score's follow-up.
. "$(dirname "$0")/lib.sh"
make_demo
id=$(kefu new -t 'E2E-WF 发票导出失败，再不修好就投诉' -c huaxin --type bug -p P1 --contact 王建国 --channel wecom)
kefu ack "$id" >/dev/null
kefu escalate "$id" --ref ZT-4242 --owner zhang.hao >/dev/null
kefu release add v9.0 --date 2026-11-30 -m 'E2E release' >/dev/null
start_console 100 30
wait_for "All open" >/dev/null

keys W
check "W opens the triage page" wait_for "Triage: the weekly meeting"
check "the page starts with the unassigned tickets" wait_for "Unassigned ("
keys ' '
check "escalations waiting for R&D are listed" wait_for "ZT-4242"
keys q
wait_for "All open" >/dev/null
keys v
wait_for "Waiting on customer" >/dev/null
keys j j j j j j j j Enter
check "the Flagged saved view lists the risky ticket first" wait_for "Flagged  ("
check "the flagged ticket is in it" wait_for "E2E-WF"

n0=$(git -C "$desk" rev-list --count HEAD)
keys E
type_text "模板字体问题，v9.0 修复"
keys Enter
check "E records R&D's answer" wait_subject "^$id: answer ZT-4242$"
keys F
wait_for "Fixed in release:" >/dev/null
type_text "v9.0"
keys Enter
check "F marks the release" wait_subject "^$id: set release v9.0$"
kefu release ship v9.0 >/dev/null
check "the console notices the ship" wait_for "reloaded"
keys Enter
check "Enter opens the ticket" wait_for "Timeline"
keys N
check "N asks before recording" wait_for "[y/N]"
keys y
check "N records that the customer was told" wait_subject "^$id: notify v9.0$"
kefu status "$id" resolved >/dev/null
wait_for "resolved" >/dev/null
keys r
wait_for "2 unsatisfied" >/dev/null
keys j j j Enter
wait_for "comment (optional)" >/dev/null
type_text "太慢了"
keys Enter
check "a score of 2 opens a follow-up ticket" wait_subject "new 回访 Follow-up: score 2/5"
check "the follow-up links the rated ticket" sh -c "'$KEFU_BIN' --desk '$desk' list --tag followup --json | grep -q '$id'"
n1=$(git -C "$desk" rev-list --count HEAD)
check "answer, fix, ship, notify, status, rate, follow-up: seven commits" test $((n1 - n0)) -eq 7
keys q q q
check "quit" wait_for "KEFU-EXIT=0"
finish
