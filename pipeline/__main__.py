"""``python -m pipeline`` is the ``litmap`` command."""
import sys

from .cli import main

if __name__ == "__main__":  # importing the module (doctest collection) runs nothing
    sys.exit(main())
