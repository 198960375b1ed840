"""Shared fixtures: one Coder per test session, since loading spaCy takes seconds."""

from __future__ import annotations

import pytest

from tocsin import Coder


@pytest.fixture(scope="session")
def coder() -> Coder:
    return Coder()


@pytest.fixture(scope="session")
def coder_all(coder: Coder) -> Coder:
    """Same knowledge and model, but emitting negated, hypothetical and future acts too."""
    return Coder(include_all=True, nlp=coder.nlp)
