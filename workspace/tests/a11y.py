"""A small static accessibility check of a rendered page (WCAG 2.1 AA basics that markup shows):
every visible form control has a programmatic label, every aria-describedby/-labelledby points
at an element on the page, an invalid control is described by an announced (role=alert) error,
table headers have a scope (totals in a <tfoot> aside), images have alt text, and there is
exactly one h1."""

from html.parser import HTMLParser

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], bool, bool]] = []
        self.ids: set[str] = set()
        self.alert_ids: set[str] = set()
        self.label_for: set[str] = set()
        self._labels = 0
        self._tfoot = False
        self._alerts: list[str] = []  # tags of open role=alert containers (and their children)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tfoot":
            self._tfoot = True
        if tag == "th" and self._tfoot:
            a["scope"] = a.get("scope", "tfoot")
        in_alert = bool(self._alerts) or a.get("role") == "alert"
        self.elements.append((tag, a, self._labels > 0, in_alert))
        if "id" in a:
            self.ids.add(a["id"])
            if in_alert:
                self.alert_ids.add(a["id"])
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if self._alerts or a.get("role") == "alert":
            self._alerts.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._alerts:
            self._alerts.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels -= 1
        if tag == "tfoot":
            self._tfoot = False
        if self._alerts and tag in self._alerts:
            while self._alerts and self._alerts.pop() != tag:
                pass


def problems(html: str, *, fragment: bool = False) -> list[str]:
    page = _Page()
    page.feed(html)
    found = []
    for tag, a, in_label, _in_alert in page.elements:
        labelled = (in_label or a.get("id") in page.label_for or a.get("aria-label")
                    or a.get("aria-labelledby"))
        if tag in CONTROLS and a.get("type") not in UNLABELLED_TYPES and not labelled:
            found.append(f"unlabelled <{tag} name={a.get('name')}>")
        for attr in ("aria-describedby", "aria-labelledby"):
            for ref in a.get(attr, "").split():
                if ref not in page.ids:
                    found.append(f"<{tag} name={a.get('name')}> {attr} -> missing #{ref}")
        if a.get("aria-invalid") == "true":
            refs = a.get("aria-describedby", "").split()
            if not any(ref in page.alert_ids for ref in refs):
                found.append(f"invalid <{tag} name={a.get('name')}> not described by an alert")
        if tag == "th" and "scope" not in a:
            found.append("<th> without scope")
        if tag == "img" and "alt" not in a:
            found.append("<img> without alt")
    h1 = sum(1 for tag, *_ in page.elements if tag == "h1")
    if not fragment and h1 != 1:
        found.append(f"{h1} h1 elements")
    return found
