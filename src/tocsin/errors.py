"""One exception hierarchy: the library raises, only the CLI turns errors into exit messages."""


class TocsinError(Exception):
    """Root of every error tocsin raises on purpose."""


class InputError(TocsinError):
    """An input (file, line, story, date) that cannot be coded; the message names it."""


class DataFileError(TocsinError):
    """A knowledge file that is missing or malformed; the message names file and line."""


class ModelError(TocsinError):
    """The spaCy English pipeline is missing or cannot be loaded."""
