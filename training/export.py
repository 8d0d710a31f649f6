"""The trained reader as the file the product ships: dynamic int8 ONNX plus its tokenizer.

    .venv/bin/python -m training.export TRAINED_DIR rag/readers/model [--fp32]

Same portability rules as the encoder (vectorstore/embedders/onnx.py): torch's ONNX
exporter, then ONNX Runtime's dynamic int8 of the weight matrices, per output channel,
with 7-bit weights (``reduce_range``) so CPUs without VNNI cannot saturate; the word
embedding table is int8 too (``Gather``), which takes the file from 59 to 23 MB.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import warnings
from pathlib import Path
from typing import Any

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export(trained: Path, dest: Path, keep_fp32: bool = False) -> Path:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertForQuestionAnswering

    model = BertForQuestionAnswering.from_pretrained(str(trained)).eval()

    class _Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    dest.mkdir(parents=True, exist_ok=True)
    fp32 = dest / "reader-fp32.onnx"
    ids = torch.ones(1, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "start_logits", "end_logits")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Reader(), (ids, ids, torch.zeros_like(ids)), str(fp32), input_names=list(INPUTS),
                          output_names=["start_logits", "end_logits"], dynamic_axes=axes, opset_version=17,
                          dynamo=False)  # fmt: skip
    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(str(fp32), str(dest / "reader-int8.onnx"), op_types_to_quantize=["MatMul", "Gather"],
                     weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                     extra_options={"MatMulConstBOnly": True})  # fmt: skip
    if not keep_fp32:
        fp32.unlink()
    shutil.copy(trained / "tokenizer.json", dest / "tokenizer.json")
    info = trained / "training.json"
    if info.exists():
        shutil.copy(info, dest / "training.json")
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trained", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--fp32", action="store_true", help="keep the fp32 model too")
    a = ap.parse_args()
    out = export(a.trained, a.dest, a.fp32)
    print(json.dumps({p.name: p.stat().st_size for p in sorted(out.iterdir())}))


if __name__ == "__main__":
    main()
