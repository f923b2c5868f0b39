"""Checking X12 text with pyx12 (x12n_document), reported as problems with their places.

pyx12's messages quote element values, which may be protected health information, so each
message is rebuilt from the element's name and the error code, never the value.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyx12.params
import pyx12.x12n_document


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a file: severity, a stable code, a message and where it is."""

    severity: str  # "error" or "warning"
    code: str
    message: str
    segment: int | None = None  # 1-based position of the segment in the file
    segment_id: str | None = None
    element: str | None = None  # such as "CLM05-2"


def pyx12_problems(text: str) -> list[Problem]:
    """What pyx12 4.0.0 finds wrong in an X12 document (empty when it passes)."""
    out = io.StringIO()
    logger = logging.getLogger("pyx12")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # pyx12 logs values; keep them out of our logs
    try:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), None, None, fd_json=out
        )
    finally:
        logger.setLevel(previous)
    raw = out.getvalue()
    problems = list(_walk(json.loads(raw))) if raw else []
    if not ok and not problems:
        problems.append(Problem("error", "PYX12", "pyx12 could not read the document"))
    return problems


def _walk(doc: dict[str, Any]) -> Iterator[Problem]:
    for isa in doc.get("interchanges", []):
        yield from _errors(isa, None, None, None)
        for gs in isa.get("groups", []):
            yield from _errors(gs, None, None, None)
            for st in gs.get("transactions", []):
                yield from _errors(st, None, None, None)
                for seg in st.get("segments", []):
                    yield from _errors(seg, seg.get("cur_line"), seg.get("seg_id"), None)
                    for ele in seg.get("elements", []):
                        place = f"{seg.get('seg_id')}{int(ele['ele_pos']):02d}"
                        if ele.get("subele_pos"):
                            place += f"-{ele['subele_pos']}"
                        yield from _errors(ele, seg.get("cur_line"), seg.get("seg_id"), place)


def _errors(
    node: dict[str, Any], segment: int | None, segment_id: str | None, element: str | None
) -> Iterator[Problem]:
    for err in node.get("errors", []):
        message = str(err.get("err_str", ""))
        value = err.get("err_val")
        if value:
            message = message.replace(str(value), "...")
        if element and node.get("name"):
            message = f"{node['name']}: {message}"
        yield Problem(
            "error", f"PYX12-{err.get('err_cde', '')}", message, segment, segment_id, element
        )
