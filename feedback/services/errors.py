"""Errors that use cases raise for callers to turn into pages, JSON or CLI messages."""


class FeedbackError(Exception):
    """Base class: a clear message for the person who caused it.

    The message is English (the API's JSON errors and the CLI show it). An error that can reach a web page
    also carries a ``code`` and the ``params`` of its message, so the page can say it in the reader's
    language (``feedback.web.messages``).
    """

    def __init__(self, message: str = "", *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class NotFound(FeedbackError):
    pass


class CounterNotFound(NotFound):
    pass


class CounterInactive(FeedbackError):
    pass


class InvalidInput(FeedbackError):
    pass


class Forbidden(FeedbackError):
    """The caller may not act on this unit."""


class TicketInvalid(FeedbackError):
    """A ticket token that is forged, unknown, used or expired; ``state`` says which."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state
