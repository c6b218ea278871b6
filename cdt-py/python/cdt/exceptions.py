"""The exceptions cdt raises.

Every error is a :class:`CdtError`. Errors also derive from the builtin a Python user
would catch: a missing file is a :class:`FileNotFoundError`, a bad input a
:class:`ValueError`, an unknown tool or customer a :class:`LookupError`.

A data problem that a diagnostic *finds* is not an exception: it is a finding in the
``DiagnosticResult``. An exception means the diagnostic could not run.
"""

from __future__ import annotations

import builtins

__all__ = [
    "CdtError",
    "CdtFileNotFoundError",
    "CdtIsADirectoryError",
    "CdtNotADirectoryError",
    "CdtOSError",
    "CdtPermissionError",
    "CdtWarning",
    "ConfigurationError",
    "ConnectorError",
    "CustomerNotFoundError",
    "DataError",
    "InputError",
    "PluginError",
    "RateLimitedError",
    "SecretError",
    "UnknownToolError",
    "UnsupportedError",
    "ValidationError",
]


class CdtError(Exception):
    """The base of every error raised by cdt."""


class ConfigurationError(CdtError):
    """A customer settings file is missing, unreadable or invalid.

    ``path`` is the file and ``field`` the dotted path of the field at fault, when known.
    """

    path: str
    field: str | None


class CustomerNotFoundError(ConfigurationError, LookupError):
    """No settings file exists for this customer id (``customer_id``, ``path``)."""

    customer_id: str


class SecretError(ConfigurationError):
    """A secret could not be resolved. ``reference`` names it; the value never appears."""

    reference: str


class UnsupportedError(ConfigurationError, NotImplementedError):
    """The settings ask for something this build of cdt cannot do (``what``)."""

    what: str


class RateLimitedError(CdtError):
    """A limit shared with the service was reached (the platform queries a user may make
    in a minute); try again in ``retry_after`` seconds."""

    retry_after: int


class ValidationError(CdtError, ValueError):
    """Something given to cdt is not valid: a tool input, a tool id, a data file."""


class InputError(ValidationError):
    """A tool input is missing, unknown or malformed (``input_name``)."""

    input_name: str


class UnknownToolError(ValidationError, LookupError):
    """No tool is registered under ``tool_id``; ``cdt.tools()`` lists them."""

    tool_id: str


class DataError(ValidationError):
    """Data could not be read; ``location`` names the file, row and column."""

    location: str


class ConnectorError(CdtError):
    """A connector failed to read data (``connector`` says which, without secrets)."""

    connector: str


class CdtOSError(ConnectorError, builtins.OSError):
    """A file or folder could not be read (``filename``, ``errno``, ``strerror``)."""


class CdtFileNotFoundError(ConnectorError, builtins.FileNotFoundError):
    """A file or folder does not exist (``filename``)."""


class CdtPermissionError(ConnectorError, builtins.PermissionError):
    """A file or folder may not be read (``filename``)."""


class CdtIsADirectoryError(ConnectorError, builtins.IsADirectoryError):
    """A file was expected, a folder was found (``filename``)."""


class CdtNotADirectoryError(ConnectorError, builtins.NotADirectoryError):
    """A folder was expected, a file was found (``filename``)."""


class PluginError(CdtError):
    """A plugin failed to load or run, or two tools share an id (``plugin_id``).

    From :func:`cdt.load_plugins`: ``path`` is the plugin's folder and ``plugin_id`` its
    name (the first that failed; the message lists them all), or both are ``None`` when
    the folder of plugins itself could not be read.
    """

    plugin_id: str | None
    path: str | None = None


class CdtWarning(UserWarning):
    """Something worth knowing that did not stop cdt (an invalid settings file skipped)."""

