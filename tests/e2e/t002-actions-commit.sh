#!/usr/bin/env bash
# Acknowledge, comment in Chinese, change status: each one commit.
. "$(dirname "$0")/lib.sh"
make_demo
id=$(kefu new -t 'E2E 无法登录' -c huaxin --type usage -p P1)
start_console 100 30
wait_for "All open" >/dev/null
keys Enter
check "Enter opens the new ticket" wait_for "E2E 无法登录"
n0=$(git -C "$desk" rev-list --count HEAD)

keys a
check "a acknowledges with the standard text" wait_subject "^$id: ack$"
check "the detail shows the acknowledgement" wait_for "问题已收到"
keys c
type_text "已联系 IT，正在排查单点登录"
keys Enter
check "c adds a public comment" wait_subject "^$id: comment$"
check "the comment text is in the ticket file" sh -c "'$KEFU_BIN' --desk '$desk' show $id | grep -q '已联系 IT，正在排查单点登录'"
keys i
type_text "内部：需要研发确认"
keys Enter
check "i adds an internal note" wait_subject "^$id: note$"
keys s
check "s offers the statuses" wait_for "in-progress"
keys j Enter
check "choosing in-progress commits it" wait_subject "^$id: status in-progress$"
keys p
wait_for "P3" >/dev/null
keys j j Enter
check "p changes priority" wait_subject "^$id: set priority P3$"
keys u
check "u undoes the priority change as a new commit" wait_subject "^$id: set priority P1$"
keys w
type_text "1h30m"
keys Enter Enter
check "w logs work" wait_subject "^$id: worklog 1h30m$"
keys s
keys G Enter
check "resolving asks for confirmation" wait_for "[y/N]"
keys y
check "y resolves" wait_subject "^$id: status closed$"
keys r Enter Enter
check "r rates the ticket" wait_subject "^$id: rate 5$"
n1=$(git -C "$desk" rev-list --count HEAD)
check "every action was exactly one commit" test $((n1 - n0)) -eq 9
check "git's index follows the console's commits" eventually sh -c "test -z \"\$(git -C '$desk' status --porcelain)\""
check "the desk lock is free for the shell meanwhile" sh -c "'$KEFU_BIN' --desk '$desk' comment $id -m 从命令行补充 >/dev/null"
keys h
check "h shows the history from git" wait_for "History of $id"
check "the history names the author" wait_for "Li Wei <li.wei@kefu.example>"
keys q q q
check "quit" wait_for "KEFU-EXIT=0"
finish
