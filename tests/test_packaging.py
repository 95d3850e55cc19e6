"""What the package says about itself agrees with what is installed and tested."""

from __future__ import annotations

import importlib.metadata
import sys

import conferencing


def test_the_version_is_written_once_and_installed_as_written() -> None:
    """`conferencing.__version__` is the version pip installed (the build reads it there)."""
    assert importlib.metadata.version("conferencing") == conferencing.__version__


def test_the_classifiers_claim_only_the_python_ci_runs() -> None:
    """Python classifiers name exactly the minor version these tests run on."""
    classifiers = importlib.metadata.metadata("conferencing").get_all("Classifier") or []
    versions = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    }
    assert {f"{sys.version_info.major}.{sys.version_info.minor}"} == versions
