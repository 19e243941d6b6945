#!/usr/bin/env bash
# The knowledge-base pane searches as you type; a ticket gets suggested
# articles and a canned reply with its placeholders filled; the reports
# pane shows the weekly review with week and customer choices.
. "$(dirname "$0")/lib.sh"
make_demo
id=$(kefu new -t '企业微信扫码登录失败 E2E-KB' -c huaxin --type usage -p P1 --contact 王芳 \
	-m 'SSO 登录提示 invalid state，无法进入系统')
export EDITOR=true # keep the filled reply as it is
start_console 130 40
wait_for "All open" >/dev/null

keys 2
check "2 opens the knowledge base" wait_for "Most linked articles"
keys /
type_text "登录"
check "search as you type finds articles" wait_for "KB "
check "the result count shows" wait_for "results"
check "the preview shows the selected article" sh -c "tmux -L $sock capture-pane -p | grep -q '│.*登录'"
keys Enter
check "Enter on the query keeps the results" wait_for "results"
keys Enter
check "Enter opens the article" wait_for "kb/"
keys q
keys 1
wait_for "All open" >/dev/null
check "the new ticket is selected first" wait_for "E2E-KB"
keys K
check "K suggests articles for the ticket" wait_for "Suggested articles"
keys Enter
check "choosing one links it (one commit)" wait_subject "^$id: link kb:"
keys P
check "P offers the canned replies" wait_for "Canned reply"
keys Enter
check "the filled reply is posted as a comment" wait_subject "^$id: comment$"
check "its placeholders were filled" sh -c "'$KEFU_BIN' --desk '$desk' show $id --json | grep -q '\"kind\": \"comment\"' && ! '$KEFU_BIN' --desk '$desk' show $id | grep -q '{customer}\\|{ticket}\\|{consultant}'"

keys 3
check "3 opens the weekly review" wait_for "Weekly review"
check "metrics with this week and last week" wait_for "this week   last week"
check "the lists for the team lead" wait_for "At risk now"
week=$(tmux -L "$sock" capture-pane -p | sed -n 's/.*Weekly review \([0-9]*-W[0-9]*\).*/\1/p' | head -1)
keys '['
check "[ goes to the week before" wait_gone "Weekly review $week "
keys ']'
check "] comes back" wait_for "Weekly review $week "
keys j Enter
check "Enter on a listed ticket opens it" wait_for "Timeline"
keys 3
keys c
check "c chooses the customer" wait_for "All customers"
keys j Enter
check "the review narrows to one customer" wait_for "customer: "
keys q
check "q returns to the queue" wait_for "All open"
keys q
check "quit" wait_for "KEFU-EXIT=0"
finish
