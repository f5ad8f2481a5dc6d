"""Errors that use cases raise for callers to turn into pages, JSON or CLI messages."""


class FeedbackError(Exception):
    """Base class: a clear message for the person who caused it."""


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
