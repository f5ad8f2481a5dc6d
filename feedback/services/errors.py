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
