"""docs/ is generated from the code (sim.docs) and must be kept in sync with it."""

from __future__ import annotations

from sim.docs import DOCS_DIR, generate, scenario_reference


def test_committed_docs_equal_a_fresh_generation():
    for name, content in generate().items():
        committed = (DOCS_DIR / name).read_text(encoding="utf-8")
        assert committed == content, f"docs/{name} is stale: run `aftersales docs`"


def test_reference_covers_nested_tables_and_every_provider():
    from sim.providers import registry

    text = scenario_reference()
    assert "`run.horizon`" in text and "`demand.categories.<name>.share`" in text
    for name, stage in registry.PROVIDERS:
        assert f"### Stage `{stage}`, provider `{name}`" in text
    for name in registry.OVERLAYS:
        assert f"### Overlay `{name}`" in text
