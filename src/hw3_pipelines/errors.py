"""Errors the project raises on purpose: each message says what is wrong and what to do."""


class InputDataError(ValueError):
    """Input data (a price file, a download, a corpus) cannot be used as it is."""


class ParameterError(ValueError):
    """A run parameter has the wrong type or is out of range; the message names its key."""
