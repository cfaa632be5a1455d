"""What the docs' markdown holds, read the same way by scripts/check_studies.py and the doc tests:
the commands of its bash blocks and its tables."""

from __future__ import annotations

import re
import shlex


def commands(text: str) -> list[list[str]]:
    """The bash commands of a markdown text, continuation lines joined, comments dropped."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                out.append(words)
    return out


def tables(text: str) -> list[tuple[int, list[str], list[list[str]]]]:
    """(line number, header, rows) of every markdown table; a pivot table (`a \\ b` in its first
    header cell) unpivoted into rows of (row key, column key, value)."""
    out, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1]):
            start, head = i + 1, _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            if "\\" in head[0]:
                rows = [[r[0], h, v] for r in rows for h, v in zip(head[1:], r[1:])]
                head = [*(x.strip() for x in head[0].split("\\")), "value"]
            out.append((start, head, rows))
        else:
            i += 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]
