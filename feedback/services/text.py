"""Text folding for search: Vietnamese without diacritics, lower-case, spaces collapsed."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str | None:
    """``"Thái độ  CÁN BỘ"`` → ``"thai do can bo"``; đ/Đ become d (they are letters, not accents)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())
