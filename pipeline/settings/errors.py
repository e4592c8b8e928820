"""The error every bad setting or usage raises; the CLI turns it into exit status 2."""


class ConfigError(Exception):
    """A usage or configuration error (exit status 2), raised before any work starts."""
