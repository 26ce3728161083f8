"""Errors meant for users read as one line that names the place once."""

from __future__ import annotations

from pathlib import Path

import pytest
from cloudscope.api import InputError
from cloudscope.application.rule_files import load_file


def test_input_error_prefixes_the_location_and_field() -> None:
    """The location and the field come first, then what is wrong."""
    error = InputError("expected a string", location="estate.json:3", field="name")
    assert str(error) == "estate.json:3, field 'name': expected a string"
    assert (error.location, error.field) == ("estate.json:3", "name")


def test_input_error_does_not_repeat_a_location_the_message_names() -> None:
    """A message that already quotes the path (an OSError's text) names it once."""
    try:
        Path("/nonexistent/cloudscope/certs").read_bytes()
    except OSError as os_error:
        error = InputError(str(os_error), location="/nonexistent/cloudscope/certs")
    assert str(error).count("/nonexistent/cloudscope/certs") == 1
    assert error.location == "/nonexistent/cloudscope/certs"


def test_input_error_keeps_the_field_when_the_message_names_only_the_path() -> None:
    """Only the part the message already says is left out."""
    error = InputError("a.json: not an object", location="a.json", field="tags")
    assert str(error) == "field 'tags': a.json: not an object"


def test_unreadable_rule_file_names_its_path_once(tmp_path: Path) -> None:
    """A rule file that cannot be read is one line naming the file once."""
    target = tmp_path / "rules.yaml"
    target.mkdir()  # reading a directory fails with an OSError that quotes the path
    with pytest.raises(InputError) as caught:
        load_file(target)
    assert str(caught.value).count(str(target)) == 1
    assert "\n" not in str(caught.value)
