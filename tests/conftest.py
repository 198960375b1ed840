"""Shared fixtures: one Coder per test session, since loading spaCy takes seconds; a newsroom
web server on loopback for the watcher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from newsfeeds import Newsroom, open_newsroom

from tocsin import Coder


@pytest.fixture(scope="session")
def coder() -> Coder:
    return Coder()


@pytest.fixture(scope="session")
def coder_all(coder: Coder) -> Coder:
    """Same knowledge and model, but emitting negated, hypothetical and future acts too."""
    return Coder(include_all=True, nlp=coder.nlp)


# --- a newsroom on loopback: the feeds and pages the watcher tests fetch ---------------------


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    with open_newsroom() as room:
        yield room
