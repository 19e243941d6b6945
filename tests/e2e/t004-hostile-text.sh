#!/usr/bin/env bash
# A ticket whose title and text carry escape sequences and bidi overrides:
# nothing raw reaches the terminal.
. "$(dirname "$0")/lib.sh"
make_demo
title=$(printf 'EVIL \033]0;pwned\007 \033[2J\033[31mred \342\200\256gnp.exe\342\201\246 tail\r\b')
body=$(printf 'line1\033]52;c;ZXZpbA==\007\nline2 \302\233 c1 \342\200\256 rtl')
id=$(kefu new -t "$title" -c huaxin -p P1 -m "$body")
tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 40 "sleep 600"
tmux -L "$sock" set-option -g set-titles on >/dev/null
start_console 160 40
wait_for "EVIL" >/dev/null
keys Enter
wait_for "Timeline" >/dev/null
shot=$(screen)
check "ESC is shown as ^[" sh -c "printf '%s' \"\$1\" | grep -qF 'EVIL ^[]0;pwned^G ^[[2J^[[31mred'" _ "$shot"
check "no ESC byte on screen" sh -c "! printf '%s' \"\$1\" | grep -q \$(printf '\\033')" _ "$shot"
check "no RLO or isolate on screen" sh -c "! printf '%s' \"\$1\" | grep -qF \$(printf '\\342\\200\\256')" _ "$shot"
check "the pane title was not changed by OSC 0" sh -c "test \"\$(tmux -L $sock display -p '#{pane_title}')\" != pwned"
check "the comment's OSC 52 is neutralised" wait_for "line1^[]52;c;ZXZpbA==^G"
check "C1 CSI is dropped" wait_for "line2  c1  rtl"
check "the title text survives" wait_for "gnp.exe tail^M^H"
keys q q
wait_for "KEFU-EXIT=0" >/dev/null
finish
