"""The reader's calibration (benchmarks/calibrate_reader.py): one abstention fit for every
set, each set held to the same cap on answered questions abstained on."""

from __future__ import annotations

import numpy as np

from benchmarks.calibrate_reader import abstention, answered_by, fit


def rows(name: str, answered: int, other: int, dated: bool, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for yes, n, centre in ((True, answered, 4.0), (False, other, -2.0)):
        for _ in range(n):
            m = float(rng.normal(centre, 3.0))
            out.append({"set": name, "margin": m, "first": m, "cosine": 0.6, "answered": yes,
                        "short_score": m, "short_f1": 1.0 if yes else 0.0})  # fmt: skip
    return out


def test_one_fit_holds_every_set_to_the_cap_on_answered_questions_abstained_on() -> None:
    reference, news = rows("squad", 400, 400, False, 0), rows("news", 60, 200, True, 1)
    cal = fit(reference + news, 0.05, floor=0.33)
    assert set(cal) == {"bias", "margin_weight", "first_weight", "cosine_weight", "threshold", "short_margin"}
    for sub in (reference, news):  # each set weighs the same: neither is abstained on over 5% of its answered
        keep = answered_by(cal, sub, 0.33)
        assert np.mean(~keep[[r["answered"] for r in sub]]) <= 0.05
    unanswered = [r for r in reference + news if not r["answered"]]
    assert np.mean(~answered_by(cal, unanswered, 0.33)) > 0.3  # and it does abstain on the others


def test_a_stricter_cap_gives_a_lower_threshold() -> None:
    small = rows("news", 60, 200, True, 2)
    assert abstention(small, 0.01, 0.33)["threshold"] < abstention(small, 0.10, 0.33)["threshold"]
