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

# Wide text: CJK, a ZWJ emoji sequence, a flag, a combining accent.
tmux -L "$sock" kill-server 2>/dev/null
wide=$(kefu new -t "WIDE 中文标题 👩‍💻 🇨🇳 café e$(printf '\314\201') ｆｕｌｌ $(printf '\342\200\256')rtl" -c huaxin -p P1 -m "正文 👨‍👩‍👧 $(printf '\033[2J') end")
# fits.py COLS < screen: every row at most COLS wide (as glibc, and so
# tmux and kefu, count width), and a "│" divider in one column on every
# row that has one (the timeline draws "│" too).
cat >"$tmp/fits.py" <<'PY'
import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
libc.setlocale(6, b"C.UTF-8")
cols = int(sys.argv[1]); bad = []; bars = None
rows = sys.stdin.read().replace("\r", "").split("\n")
for n, line in enumerate(rows):
    w = 0; at = set()
    for ch in line:
        cw = libc.wcwidth(ctypes.c_wchar(ch))
        if ch == "\u2502":
            at.add(w)
        w += cw if cw >= 0 else 1
    if w > cols:
        bad.append(line)
    if at and 0 < n < len(rows) - 2:  # not the title or status bar
        bars = at if bars is None else bars & at
if bad:
    print("too wide:", *bad, sep="\n")
if bars is not None and not bars:
    print("no divider column common to every row")
sys.exit(1 if bad or (bars is not None and not bars) else 0)
PY
start_console 160 40
wait_for "WIDE" >/dev/null
keys Enter
check "wide text: the detail opens" wait_for "Timeline"
check "wide text: every row fits 160 columns, the divider is straight" eventually sh -c "tmux -L $sock capture-pane -p | python3 $tmp/fits.py 160"
check "wide text: no ESC or RLO on screen" sh -c "! tmux -L $sock capture-pane -p | grep -q \"\$(printf '\\033\\|\\342\\200\\256')\""
keys q q
wait_for "KEFU-EXIT=0" >/dev/null
tmux -L "$sock" kill-server 2>/dev/null
start_console 80 24
wait_for "WIDE" >/dev/null
check "80x24: every row fits" eventually sh -c "tmux -L $sock capture-pane -p | python3 $tmp/fits.py 80"
keys q
wait_for "KEFU-EXIT=0" >/dev/null

# The CLI to a terminal: list and show under script(1), stdout a tty.
script -qc "stty cols 80 rows 24; '$KEFU_BIN' --desk '$desk' list; '$KEFU_BIN' --desk '$desk' show $id; '$KEFU_BIN' --desk '$desk' show $wide" "$tmp/tty.out" >/dev/null 2>&1
check "CLI on a tty: the hostile tickets are listed" grep -q "WIDE" "$tmp/tty.out"
check "CLI on a tty: no ESC, C1 CSI or bidi control" python3 -c '
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
bad = [c for c in t if c == "\x1b" or "\x80" <= c <= "\x9f" or c in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
print(repr(bad[:5])) if bad else None
sys.exit(1 if bad else 0)' "$tmp/tty.out"
script -qc "stty cols 80 rows 24; '$KEFU_BIN' --desk '$desk' list" "$tmp/list.out" >/dev/null 2>&1
check "CLI on a tty: list rows fit 80 columns" sh -c "sed 1d '$tmp/list.out' | python3 $tmp/fits.py 80"
finish
