"""Audit outputs made once per session from the bundled samples, and a small HTML tree for checking pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from enduse.audit import run_audit
from enduse.examples import sample_path

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "source", "wbr"}


@pytest.fixture(scope="session")
def audits(tmp_path_factory, pack) -> dict[str, Path]:
    """The reported incidents and 3,000 synthetic rows, audited; keys ``incidents.<ext>`` and ``synthetic``."""
    folder = tmp_path_factory.mktemp("audits")
    out = {}
    for ext in ("parquet", "csv", "jsonl"):
        out[f"incidents.{ext}"] = run_audit(sample_path("incidents.csv"), folder / f"incidents.audit.{ext}",
                                            pack=pack, progress=False).output
    sample = folder / "synthetic.parquet"
    pl.read_parquet(sample_path("synthetic.parquet")).head(3000).write_parquet(sample)
    out["synthetic"] = run_audit(sample, folder / "synthetic.audit.parquet", pack=pack, progress=False).output
    return {k: Path(v) for k, v in out.items()}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join([*self.parts, *(c.text for c in self.children)]).split())

    def find_all(self, tag: str | None = None, cls: str | None = None, attr: str | None = None):
        """Descendants (and self) with this tag, a class word ``cls`` and an attribute named ``attr``."""
        if ((tag is None or self.tag == tag) and (cls is None or cls in self.attrs.get("class", "").split())
                and (attr is None or attr in self.attrs)):
            yield self
        for child in self.children:
            yield from child.find_all(tag, cls, attr)

    def find(self, tag: str | None = None, cls: str | None = None, attr: str | None = None) -> Node:
        return next(self.find_all(tag, cls, attr))


class _TreeBuilder(HTMLParser):
    """Builds a ``Node`` tree and fails on a closing tag that does not match the open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        open_tag = self.stack.pop().tag
        assert open_tag == tag, f"</{tag}> closes <{open_tag}> (line {self.getpos()[0]})"

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


@pytest.fixture(scope="session")
def parse_html():
    """``parse(text) -> Node``: the page as a tree; fails on mismatched or unclosed elements."""
    return parse


def parse(text: str) -> Node:
    """The page as a ``Node`` tree; raises ``AssertionError`` on mismatched or unclosed elements."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], f"unclosed: {[n.tag for n in builder.stack[1:]]}"
    return builder.root
