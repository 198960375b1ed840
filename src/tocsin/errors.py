"""One exception hierarchy: the library raises, only the CLI and the API turn errors into exit
statuses and HTTP answers.

The CLI exits 1 for an `InputError` (bad input; the other inputs are still coded) and 2 for a
usage error, a `QueryError`, a `StoreError` or a `ServeError`; the API answers with the
status noted on each.
"""


class TocsinError(Exception):
    """Root of every error tocsin raises on purpose."""


class InputError(TocsinError):
    """An input (file, line, story, date) that cannot be coded; the message names it. HTTP 400."""


class DataFileError(TocsinError):
    """A knowledge file that is missing or malformed; the message names file and line."""


class ModelError(TocsinError):
    """The spaCy English pipeline is missing or cannot be loaded."""


class StoreError(TocsinError):
    """A database that is missing, corrupt, locked or written by a newer tocsin."""


class QueryError(TocsinError):
    """A filter or option a query cannot use; the message says which and why. HTTP 400."""


class NotFound(TocsinError):
    """An event or article id the store does not hold. HTTP 404."""


class Forbidden(TocsinError):
    """A write without the API key on a server reachable beyond loopback. HTTP 403."""


class UnknownParameter(TocsinError):
    """A query parameter the endpoint does not take (a typo would otherwise widen the query).
    HTTP 400."""


class TooLarge(TocsinError):
    """A story longer than the server codes on request (long stories go through `tocsin code`
    or `tocsin ingest`). HTTP 413."""


class Busy(TocsinError):
    """The server's coding queue is full; `retry_after` says in how many seconds to ask again.
    HTTP 429."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServeError(TocsinError):
    """The server cannot listen where it was asked to (a port in use, an unknown host)."""


class FetchError(InputError):
    """A feed or page that could not be fetched or read (unreachable, an error status, too
    large, not a feed or page); the message names the URL. The watcher logs it and goes on."""


class SparkError(TocsinError):
    """A Spark job that cannot start or cannot read or write where it was asked to (pyspark
    missing, an input that does not exist, an output that does)."""
