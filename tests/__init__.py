"""The test suite (a regular package: ciw, a benchmark extra, installs a top-level ``tests``
package of its own, which would otherwise shadow this one in ``from tests.x import ...``)."""
