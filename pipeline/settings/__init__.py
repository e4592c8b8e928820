"""Typed settings: the model (defaults in one place), the config layers, and their checks."""
from .errors import ConfigError
from .files import CONFIG_FILES, packaged_configs, project_root, resolve_path
from .load import Loaded, layer_files, load_settings
from .model import Settings, defaults, filled, section_defaults

__all__ = ["CONFIG_FILES", "ConfigError", "Loaded", "Settings", "defaults", "filled", "layer_files", "load_settings",
           "packaged_configs", "project_root", "resolve_path", "section_defaults"]
