"""The README opens with exactly the two commands and its configuration table matches the code."""

from __future__ import annotations

from pathlib import Path

from tenantry.config import markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_starts_with_the_two_commands():
    text = README.read_text()
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines() == ["make run", "make test"]


def test_readme_configuration_table_is_generated_from_settings():
    text = README.read_text()
    table = text.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert table == markdown_table()
