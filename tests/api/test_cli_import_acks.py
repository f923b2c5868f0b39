"""`claims import --acks`: our 999 and 277CA for each imported file, written for the sender."""

from __future__ import annotations

import json
from pathlib import Path

from edi.x277ca.reader import read_277ca
from edi.x999.models import GroupCode
from edi.x999.reader import read_999
from tests.api.test_cli import claims_cli
from tests.api.test_cli_import import Setup, setup  # noqa: F401 - the fixture


def test_import_writes_our_999_and_277ca_for_the_sender(
    setup: Setup,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    acks = tmp_path / "acks"
    path = str(setup.files["837P"])
    code, out = claims_cli(
        setup.url, "import", path, "--practice", setup.code, "--acks", str(acks), "--json"
    )
    assert code == 0, out
    (report,) = json.loads(out)["files"]
    answers = report["acknowledgments"]
    assert [a["kind"] for a in answers] == ["999", "277CA"]
    assert all(Path(a["path"]).parent == acks for a in answers)
    (ack,) = read_999(Path(answers[0]["path"]).read_text())
    assert ack.code is GroupCode.ACCEPTED and ack.accepted == len(ack.transactions)
    statuses = [
        s[-1].category.value
        for _, s in read_277ca(Path(answers[1]["path"]).read_text())[0].claims()
    ]
    assert len(statuses) == len(report["claims"]) and set(statuses) == {"A2"}
    # Sent again: a duplicate, answered with what was made the first time.
    code, out = claims_cli(setup.url, "import", path, "--practice", setup.code)
    assert code == 0 and f"(answered: 999 kept as file {answers[0]['file_id']}, 277CA kept" in out
