"""The version, written once: the build reads it here, `conferencing.__version__` re-exports it."""

__version__ = "0.1.0.dev0"
