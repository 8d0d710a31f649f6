"""Two trained readers' weights, interpolated: ``(1 - a)·FIRST + a·SECOND`` (WiSE-FT's recipe).

    .venv/bin/python -m training.soup build/reader/model build/reader-news/model 0.75 build/reader-soup/model

Both must come from the same start (stage 2 starts from stage 1), so their weights lie in one
basin and their mean is a model too (Wortsman et al., "Robust fine-tuning of zero-shot models"
and "Model soups", 2022).  Measured and not shipped (docs/reader.md): a quarter of stage 1 and
three quarters of stage 2 read the held-out calibration sets a little better than stage 2, but
not the report sets (rgb-en-fact worse), so ``make reader`` does not use it.  Deterministic.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

WEIGHTS = "model.safetensors"


def soup(first: Path, second: Path, share: float, out: Path) -> Path:
    """Write ``(1 - share)·first + share·second`` to ``out`` (config and tokenizer from ``second``)."""
    from safetensors.torch import load_file, save_file

    if not 0.0 <= share <= 1.0:
        raise SystemExit(f"the second model's share must be between 0 and 1, not {share}")
    a, b = load_file(str(first / WEIGHTS)), load_file(str(second / WEIGHTS))
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise SystemExit(f"{first} and {second} are not the same architecture: train both from the same start")
    mixed = {
        k: ((1 - share) * a[k].float() + share * b[k].float()).to(a[k].dtype) if a[k].is_floating_point() else b[k]
        for k in a
    }
    out.mkdir(parents=True, exist_ok=True)
    for f in second.iterdir():
        if f.is_file() and f.name not in (WEIGHTS, "training.json"):
            shutil.copy(f, out / f.name)
    save_file(mixed, str(out / WEIGHTS), metadata={"format": "pt"})
    info = {"soup": {"first": str(first), "second": str(second), "second_share": share}}
    for name, src in (("first_training", first), ("second_training", second)):
        if (src / "training.json").exists():
            info[name] = json.loads((src / "training.json").read_text())
    (out / "training.json").write_text(json.dumps(info, indent=2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("share", type=float, help="the second model's share, 0 to 1")
    ap.add_argument("out", type=Path)
    a = ap.parse_args()
    print(soup(a.first, a.second, a.share, a.out))


if __name__ == "__main__":
    main()
