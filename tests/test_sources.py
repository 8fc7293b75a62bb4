"""Sources travel with the project: every citation resolves inside the repository.

Parameter documentation, docstrings, scenario comments and docs cite ``docs/sources.md §X``
and source keys (``TARP``, ``JDR``...). These tests check that (a) every cited section is a
heading of docs/sources.md, (b) every uppercase word in the schema's field documentation and in
the bundled scenarios' comments is a source key of its table or a listed abbreviation, and (c)
nothing tracked points at files users do not have.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim import docs
from sim.config.schema import Scenario
from sim.providers import registry

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

_ID = r"(?:[A-Z](?:\.\d+)*|\d+(?:\.\d+)*)"
# Between "sources.md" and "§" (and between chained sections) a citation may close a code span
# or a Python string and continue on the next line: "docs/sources.md "\n    "§3.5".
_GAP = r"[\s`'\"]*"
CITATION = re.compile(rf"sources\.md{_GAP}§({_ID})((?:{_GAP}[,/]{_GAP}§{_ID})*)")
CHAINED = re.compile(rf"§({_ID})")
HEADING = re.compile(rf"^#+\s+§({_ID})\s", re.MULTILINE)
# A candidate source key: an all-uppercase word of two or more characters (digits allowed).
CANDIDATE = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]+(?![\w-])")
# Paths of the desk notes the project was written from, which users do not have. Spelled in
# pieces so that this file, which must name them, does not itself match a search for them.
_SHARED, _RESEARCH = "sha" + "red", "rese" + "arch/"
FORBIDDEN = (f"../{_SHARED}", f"/work/{_SHARED}", f"{_RESEARCH}domain.md",
             f"{_RESEARCH}experiments.md", f"{_RESEARCH}aesthetics.md", "peers.md", "DIGEST",
             "DESIGN.md")


def tracked_files() -> list[Path]:
    """Text files under version control (the repository's own content)."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    paths = [ROOT / p for p in out.stdout.decode().split("\0") if p]
    texts = []
    for p in paths:
        if not p.is_file():
            continue  # deleted in the work tree, not yet committed
        try:
            p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binaries
        texts.append(p)
    return texts


def headings(text: str) -> set[str]:
    """Section ids (``3.6``, ``Q.12``, ``R``) that are headings of a sources page."""
    return set(HEADING.findall(text))


def cited_sections(text: str) -> Iterator[tuple[int, str]]:
    """(line, section id) for every ``sources.md §X`` citation, chained ``, §Y`` included."""
    for m in CITATION.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        yield line, m.group(1)
        for chained in CHAINED.findall(m.group(2)):
            yield line, chained


def table_column(text: str, heading: str) -> set[str]:
    """First-column entries of the Markdown table under the ``## heading`` section."""
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text,
                        re.MULTILINE | re.DOTALL)
    assert section, f"docs/sources.md has no '## {heading}' section"
    rows = [line for line in section.group(1).splitlines() if line.startswith("|")]
    return {row.split("|")[1].strip().strip("`") for row in rows[2:]}


def unknown_words(text: str, known: set[str]) -> set[str]:
    return {w for w in CANDIDATE.findall(text) if w not in known}


def schema_docs() -> Iterator[tuple[str, str]]:
    """(dotted key, doc) of every documented scenario field, walked as sim/docs.py walks it."""
    registry.load_all()
    roots: list[tuple[type, str]] = [(Scenario, "")]
    roots += [(e.params, f"designs.<design>.{stage}[{name}].")
              for (name, stage), e in registry.PROVIDERS.items()]
    roots += [(e.params, f"designs.<design>.overlays.{name}.")
              for name, e in registry.OVERLAYS.items()]
    for cls, prefix in roots:
        assert dataclasses.is_dataclass(cls)
        for key, f in docs._rows(cls, prefix):
            yield key, f.metadata["doc"]


def toml_comments(path: Path) -> Iterator[tuple[int, str]]:
    """(line, comment text) of a TOML file; a '#' inside a quoted string is not a comment."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        unquoted = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', lambda m: " " * len(m.group()), line)
        if "#" in unquoted:
            yield n, line[unquoted.index("#") + 1:]


@pytest.fixture(scope="module")
def sources_text() -> str:
    return SOURCES.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def known_words(sources_text: str) -> set[str]:
    return table_column(sources_text, "Source keys") | table_column(sources_text,
                                                                    "Abbreviations")


# --- the checks work (each would catch a planted mistake) --------------------------------------


def test_citation_parser_reads_chains_and_continued_strings():
    text = ('doc="x (sources.md §1.5, §6; §9)" and ``docs/sources.md`` §Q.\n'
            '"see docs/sources.md "\n    "§3.5" and sources.md §0/§6 and sources.md §Q.12')
    assert [s for _, s in cited_sections(text)] == ["1.5", "6", "Q", "3.5", "0", "6", "Q.12"]
    assert headings("## §1.5 AI\n### §Q.12 Checks\n## §R The report\n#§9 no\n") == {
        "1.5", "Q.12", "R"}


def test_key_check_flags_an_unknown_key_and_nothing_else():
    doc = "Fee per visit (MFR ¥80; XYZ99 says 90; see CPL Art. 25, GB/T, e.g. 24 h, [L])."
    assert unknown_words(doc, {"MFR", "CPL", "GB"}) == {"XYZ99"}
    assert unknown_words("KRI/CCA [L]", {"KRI"}) == {"CCA"}
    assert unknown_words("chat-first; the EU-CRD; WX/Alipay docs", {"WX"}) == set()


def test_planted_bad_section_is_caught(sources_text: str):
    have = headings(sources_text)
    planted = "doc=\"Patience (sources.md §3.10; §1.1)\""
    assert {s for _, s in cited_sections(planted)} - have == {"3.10"}


def test_toml_comment_reader_ignores_hashes_in_strings():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "s.toml"
        p.write_text('a = "#not" # JDR 24 h\nb = 1\n# ABD\n', encoding="utf-8")
        assert [(n, c.strip()) for n, c in toml_comments(p)] == [(1, "JDR 24 h"), (3, "ABD")]


# --- (a) cited sections exist -------------------------------------------------------------------


def test_sources_page_has_the_required_sections(sources_text: str):
    have = headings(sources_text)
    required = {"0", "1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "4", "5", "6", "7",
                "Q", "R"}
    required |= {f"3.{i}" for i in range(1, 10)} | {f"4.{i}" for i in range(1, 5)}
    required |= {f"Q.{i}" for i in range(1, 13)}
    assert required <= have, f"missing headings: {sorted(required - have)}"


def test_every_cited_section_is_a_heading(sources_text: str):
    have = headings(sources_text)
    missing = [f"{p.relative_to(ROOT)}:{line}: §{sec}"
               for p in tracked_files()
               for line, sec in cited_sections(p.read_text(encoding="utf-8"))
               if sec not in have and p.relative_to(ROOT).as_posix() != THIS]
    assert not missing, "citations of docs/sources.md sections that do not exist:\n" + \
        "\n".join(missing)


def test_every_cited_section_in_field_docs_is_a_heading(sources_text: str):
    # The generated scenario reference already covers this, but only once it is regenerated.
    have = headings(sources_text)
    missing = [f"{key}: §{sec}" for key, doc in schema_docs()
               for _, sec in cited_sections(doc) if sec not in have]
    assert not missing, "field docs cite missing sections:\n" + "\n".join(missing)


# --- (b) every source key is in the key table ---------------------------------------------------


def test_key_table_has_assumption_and_derived(known_words: set[str]):
    assert {"ASM", "DER", "REPORT"} <= known_words


def test_field_docs_cite_only_known_keys(known_words: set[str]):
    docs_seen = list(schema_docs())
    assert len(docs_seen) > 100  # the walk reached providers and overlays, not only the top
    unknown = [f"{key}: {sorted(words)}" for key, doc in docs_seen
               if (words := unknown_words(doc, known_words))]
    assert not unknown, ("field docs use words that are neither a source key nor an "
                         "abbreviation of docs/sources.md:\n" + "\n".join(unknown))


def test_scenario_comments_cite_only_known_keys(known_words: set[str]):
    files = sorted((ROOT / "scenarios").rglob("*.toml"))
    assert len(files) >= 8
    unknown = [f"{p.relative_to(ROOT)}:{n}: {sorted(words)}" for p in files
               for n, comment in toml_comments(p)
               if (words := unknown_words(comment, known_words))]
    assert not unknown, ("scenario comments use words that are neither a source key nor an "
                         "abbreviation of docs/sources.md:\n" + "\n".join(unknown))


# --- (c) nothing points outside the repository --------------------------------------------------


def test_no_tracked_file_points_at_files_users_do_not_have():
    hits = [f"{p.relative_to(ROOT)}:{n}: {word}"
            for p in tracked_files() if p.relative_to(ROOT).as_posix() != THIS
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            for word in FORBIDDEN if word in line]
    assert not hits, "references to files outside the repository:\n" + "\n".join(hits)
