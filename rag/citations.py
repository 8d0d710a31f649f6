"""Find [n] markers in generated text, drop the ones that point nowhere, renumber."""

from __future__ import annotations

import re
from dataclasses import dataclass

# [1]  [1, 3]  [1][2]  [1-2] is read as 1 and 2
_MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")


@dataclass(frozen=True)
class Parsed:
    text: str  # with markers renumbered in order of first use
    used: list[int]  # original passage numbers (1-based), in order of first use
    dropped: list[int]  # marker numbers that matched no passage


def _numbers(group: str) -> list[int]:
    parts = [int(x) for x in re.findall(r"\d+", group)]
    if re.search(r"[–-]", group) and len(parts) == 2 and 0 < parts[1] - parts[0] < 10:
        return list(range(parts[0], parts[1] + 1))
    return parts


def parse_citations(text: str, n_passages: int) -> Parsed:
    """Map markers to passages 1..n_passages; renumber used ones 1..m."""
    order: list[int] = []
    dropped: list[int] = []

    def collect(m: re.Match[str]) -> str:
        for k in _numbers(m.group(1)):
            if 1 <= k <= n_passages:
                if k not in order:
                    order.append(k)
            elif k not in dropped:
                dropped.append(k)
        return m.group(0)

    _MARKER.sub(collect, text)
    new_number = {old: i + 1 for i, old in enumerate(order)}

    def rewrite(m: re.Match[str]) -> str:
        ks = [new_number[k] for k in _numbers(m.group(1)) if k in new_number]
        ks = list(dict.fromkeys(ks))
        return "".join(f"[{k}]" for k in ks)

    out = _MARKER.sub(rewrite, text)
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out).strip()
    return Parsed(text=out, used=order, dropped=dropped)
