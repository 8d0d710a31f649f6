"""The reader's calibration (benchmarks/calibrate_reader.py): one abstention fit for every
set, and a second for dated news whose threshold must be 95% sure of its cap."""

from __future__ import annotations

import numpy as np
from scipy.stats import beta

from benchmarks.calibrate_reader import abstention, answered_by, fit


def rows(name: str, answered: int, other: int, dated: bool, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for yes, n, centre in ((True, answered, 4.0), (False, other, -2.0)):
        for _ in range(n):
            m = float(rng.normal(centre, 3.0))
            out.append({"set": name, "margin": m, "first": m, "cosine": 0.6, "answered": yes, "dated": dated,
                        "short_score": m, "short_f1": 1.0 if yes else 0.0})  # fmt: skip
    return out


def test_dated_news_gets_its_own_fit_and_the_general_one_still_holds_both_sets_to_the_cap() -> None:
    reference, news = rows("squad", 400, 400, False, 0), rows("news", 60, 200, True, 1)
    assert "news" not in fit(reference + news, 0.05, floor=0.33)  # only when asked for
    cal = fit(reference + news, 0.05, floor=0.33, news_fit=True)
    assert "news" in cal
    for sub in (reference, news):  # the general fit abstains on at most 5% of either set's answered
        keep = answered_by({k: v for k, v in cal.items() if k != "news"}, sub, 0.33)
        assert np.mean(~keep[[r["answered"] for r in sub]]) <= 0.05
    keep = answered_by(cal, news, 0.33)  # news rows are judged by the news fit
    yes = np.array([r["answered"] for r in news])
    k, n = int(np.sum(~keep & yes)), int(yes.sum())
    assert beta.ppf(0.95, k + 1, n - k) <= 0.05  # 95% sure of the cap, not just under it as seen


def test_being_sure_of_the_cap_on_a_small_set_gives_a_lower_threshold_than_the_share_seen() -> None:
    small = rows("news", 60, 200, True, 2)
    assert abstention(small, 0.05, 0.33, sure=True)["threshold"] < abstention(small, 0.05, 0.33)["threshold"]
