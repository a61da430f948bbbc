"""Errors the project raises on purpose: each message says what is wrong and what to do.

``kedro run`` prints such an error as one line and exits with status 1 (see ``cli.py``);
anything else is a bug and keeps its traceback.
"""


class ProjectError(Exception):
    """An error raised on purpose, with a message meant for the user."""


class InputDataError(ProjectError, ValueError):
    """Input data (a price file, a download, a corpus) cannot be used as it is."""


class ParameterError(ProjectError, ValueError):
    """A run parameter does not fit the data (e.g. a lookback longer than the history)."""


class MissingInputError(ProjectError):
    """A dataset the run needs has not been written by any earlier run."""
