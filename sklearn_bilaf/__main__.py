"""``python -m sklearn_bilaf`` runs the ``bilaf`` command."""

import sys

from .cli import main

sys.exit(main())
