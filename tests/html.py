"""Reading pages the way a browser would, for in-process tests."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, list[dict[str, str | None]]] = {}
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self.alerts = 0
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.inputs.setdefault(a["name"], []).append(a)
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.textareas[self._textarea] = ""
        elif a.get("role") == "alert":
            self.alerts += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_data(self, data):  # noqa: ANN001
        if self._textarea:
            self.textareas[self._textarea] += data

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "textarea":
            self._textarea = None


class Page:
    def __init__(self, html: str) -> None:
        self.html = html
        self._parser = _Form()
        self._parser.feed(html)

    def value(self, name: str) -> str | None:
        inputs = self._parser.inputs.get(name) or []
        return inputs[0].get("value") if inputs else None

    def checked(self, name: str) -> str | None:
        for attrs in self._parser.inputs.get(name, []):
            if "checked" in attrs:
                return attrs.get("value")
        return None

    def options(self, name: str) -> list[str]:
        return [a.get("value") for a in self._parser.inputs.get(name, [])]

    def textarea(self, name: str) -> str | None:
        return self._parser.textareas.get(name)

    @property
    def has_error_summary(self) -> bool:
        return self._parser.alerts > 0

    @property
    def links(self) -> list[str]:
        return self._parser.links


def page(response) -> Page:  # noqa: ANN001
    return Page(response.get_data(as_text=True))


def survey_form(client, url: str) -> dict[str, str]:  # noqa: ANN001
    """GET the survey and return the hidden fields a browser would send back."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    p = page(response)
    return {
        "csrf_token": p.value("csrf_token"),
        "submission_id": p.value("submission_id"),
        "service": p.value("service") or "",
    }
