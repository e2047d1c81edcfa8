"""``python -m clickorm`` runs the console script."""

from clickorm.cli import main

raise SystemExit(main())
