#!/usr/bin/env python3
"""Lower bound for `render`: Typst compiling the two layouts from their JSON, nothing else.

    PEER_VENV/bin/python bench/typst_compile.py LAYOUTS_DIR [--data-dir DIR]

Compiles layouts/kwartaalrapportage.typ and layouts/raadsmemo.typ to PDF with typst-py (the
same Typst version as our `typst` crates), root = LAYOUTS_DIR, fonts from LAYOUTS_DIR/fonts
only (system fonts ignored, as our engine does), tagged PDF/UA-1 like our render stage.
Each layout reads `sys.inputs.data`: `<name>.json` from --data-dir when it exists there,
otherwise the committed `<name>.sample.json` (our run hands its document to Typst in
memory and does not write it to disk).

Both documents are compiled once, in this order, in a fresh process (fonts found and
loaded, nothing memoized), which is what one `pipeline run` pays; a second compile in the
same process would be served from Typst's in-process memoization cache and measure
nothing, so repeat by running the script again. Prints one JSON line with milliseconds
per document and both together.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import typst

DOCS = ["kwartaalrapportage", "raadsmemo"]


def compile_once(layouts: Path, doc: str, data: str, out: Path) -> float:
    t0 = time.perf_counter()
    typst.compile(
        str(layouts / f"{doc}.typ"),
        output=str(out),
        root=str(layouts),
        font_paths=[str(layouts / "fonts")],
        ignore_system_fonts=True,
        sys_inputs={"data": data},
        pdf_standards=["ua-1"],
    )
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("layouts", type=Path)
    ap.add_argument("--data-dir", type=Path)
    args = ap.parse_args()
    layouts = args.layouts.resolve()
    result: dict = {"typst_py": getattr(typst, "__version__", "?"), "docs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {}
        for doc in DOCS:
            data = f"{doc}.sample.json"
            if args.data_dir and (args.data_dir / f"{doc}.json").is_file():
                # sys.inputs paths are read relative to the layout, inside root: copy it there.
                data = f"/.bench-{doc}.json"
                (layouts / data[1:]).write_bytes((args.data_dir / f"{doc}.json").read_bytes())
            inputs[doc] = data
        try:
            cold = {doc: compile_once(layouts, doc, inputs[doc], Path(tmp) / f"{doc}.pdf") for doc in DOCS}
            for doc in DOCS:
                pdf = Path(tmp) / f"{doc}.pdf"
                result["docs"][doc] = {"data": inputs[doc], "ms": round(cold[doc], 1),
                                       "pdf_bytes": pdf.stat().st_size}
        finally:
            for doc in DOCS:
                (layouts / f".bench-{doc}.json").unlink(missing_ok=True)
    result["ms"] = round(sum(d["ms"] for d in result["docs"].values()), 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
