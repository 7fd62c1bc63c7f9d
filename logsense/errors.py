"""Errors logsense raises on purpose. Everything else is a bug."""


class LogsenseError(Exception):
    """Base class for logsense's own errors."""


class UnusableInput(LogsenseError):
    """The input cannot be read as text at all: a missing file, binary data.

    The message is one line meant for people (the CLI prints it and exits 2).
    """


class InvalidSetup(LogsenseError, ValueError):
    """A set-up value given by the user (API keyword, CLI flag, page field) is outside what it can be.

    The message is one line naming the field and what it accepts (the CLI prints it and exits 2).
    """
