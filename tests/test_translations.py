"""Every Vietnamese message has its English translation, and the catalogue is current with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "feedback" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_english_catalogue_is_complete():
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_catalogue_covers_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        in_code = {m.id for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert sorted(in_code - translated) == []
