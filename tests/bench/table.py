#!/usr/bin/env python3
"""table.py — the make bench table from results.txt ("size key value" lines)."""
import sys

res = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3:
        res.setdefault(int(parts[0]), {})[parts[1]] = parts[2]
sizes = sorted(res)


def get(size, key):
    v = res.get(size, {}).get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def screen(size, key):
    """A first-screen time less what script(1) itself costs."""
    v, o = get(size, key), get(size, "script_overhead")
    return None if v is None else max(v - (o or 0), 0)


# job, unit, target (at 100k), how to read it, Taskwarrior and Fossil peer keys
rows = [
    ("cold start to first screen (index built)", "ms", 2000, lambda s: screen(s, "cold"), None, None),
    ("warm start to first screen", "ms", 50, lambda s: screen(s, "warm"), None, None),
    ("warm start after 100 changed tickets", "ms", 100, lambda s: screen(s, "warm100"), None, None),
    ("warm start after 1,000 changed tickets", "ms", 250, lambda s: screen(s, "warm1000"), None, None),
    ("kefu list --customer X --status open", "ms", 50, lambda s: get(s, "list_filtered"), "tw_list_filtered", "fossil_list_filtered"),
    ("kefu list --status all", "ms", 150, lambda s: get(s, "list_all"), "tw_list_all", "fossil_list_all"),
    ("kefu show ID", "ms", None, lambda s: get(s, "show"), None, None),
    ("search p50, in process (100 queries zh+en)", "ms", None, lambda s: get(s, "search_p50"), None, None),
    ("search p99, in process (100 queries zh+en)", "ms", 10, lambda s: get(s, "search_p99"), None, None),
    ("kefu kb search (whole process)", "ms", None, lambda s: get(s, "kb_search_cli"), "tw_search", "fossil_search"),
    ("one change: kefu comment (process, incl. commit)", "ms", 30, lambda s: get(s, "comment"), "tw_modify", "fossil_modify"),
    ("  the same, back to back (no pause for the disk)", "ms", None, lambda s: get(s, "comment_b2b"), None, None),
    ("one change in the console: kefu_desk_apply (p50)", "ms", 5, lambda s: get(s, "apply_p50"), None, None),
    ("  then git's index, after the screen is drawn (p50)", "ms", None, lambda s: get(s, "flush_p50"), None, None),
    ("weekly report", "ms", 50, lambda s: get(s, "report"), None, None),
    ("kefu sync pulling 1,000 remote changes", "ms", None, lambda s: get(s, "sync"), None, None),
    ("one ticket's history (kefu log; commits: N)", "ms", 100, lambda s: get(s, "log"), None, None),
    ("peak RSS browsing (warm first screen)", "MB", 64, lambda s: get(s, "rss_browse"), "tw_rss", "fossil_rss"),
    ("peak RSS building the index (cold)", "MB", 150, lambda s: get(s, "rss_build"), None, None),
]


def fmt(v):
    if v is None:
        return "—"
    return "%.0f" % v if v >= 100 else "%.1f" % v


# Fossil runs at the smallest size that has its figures (10k by default).
fsize = next((s for s in sizes if get(s, "fossil_list_all") is not None), None)
head = "| job | target @100k |" + "".join(" %dk |" % (s // 1000) for s in sizes)
head += " ok? | Taskwarrior @%dk | ratio |" % (sizes[-1] // 1000 if sizes else 0)
if fsize:
    head += " Fossil @%dk | ratio @%dk |" % (fsize // 1000, fsize // 1000)
print(head)
print("|" + "---|" * (head.count("|") - 1))
big = sizes[-1] if sizes else None
for job, unit, target, f, peer, fpeer in rows:
    vals = [f(s) for s in sizes]
    if "commits: N" in job:
        job = job.replace("N", " / ".join("%.0f" % (get(s, "commits") or 0) for s in sizes))
    ok = ""
    if target is not None and vals and vals[-1] is not None:
        ok = "yes" if vals[-1] <= target else "**no**"
    pv = get(big, peer) if peer and big else None
    ratio = ""
    if pv and vals and vals[-1]:
        r = pv / vals[-1]
        ratio = "%.0f×" % r if r >= 10 else "%.1f×" % r
    line = "| %s | %s |" % (job, "≤ %s %s" % (fmt(target), unit) if target else "")
    line += "".join(" %s |" % fmt(v) for v in vals)
    line += " %s | %s | %s |" % (ok, fmt(pv) + " " + unit if pv else "", ratio)
    if fsize:
        fv, kv = (get(fsize, fpeer), f(fsize)) if fpeer else (None, None)
        fr = ""
        if fv and kv:
            r = fv / kv
            fr = "%.0f×" % r if r >= 10 else "%.1f×" % r
        line += " %s | %s |" % (fmt(fv) + " " + unit if fv else "", fr)
    print(line)
extra = []
for s in sizes:
    tw = get(s, "tw_import")
    extra.append("%dk: %s commits, script(1) overhead %s ms subtracted from screen times%s" % (
        s // 1000, fmt(get(s, "commits")), fmt(get(s, "script_overhead")),
        ", Taskwarrior import %s ms, add %s ms, text search %s ms" % (
            fmt(tw), fmt(get(s, "tw_add")), fmt(get(s, "tw_search"))) if tw else ""))
for s in sizes:
    if get(s, "fossil_import") is not None:
        extra.append("%dk: Fossil import (fossil reconstruct of ticket-change artifacts) %s ms, add %s ms, "
                     "every ticket's columns %s ms" % (s // 1000, fmt(get(s, "fossil_import")),
                                                      fmt(get(s, "fossil_add")), fmt(get(s, "fossil_dump_all"))))
print()
for e in extra:
    print("- " + e)
