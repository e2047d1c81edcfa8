"""``python -m clickorm.cli`` runs the console script."""

from clickorm.cli.cli import main

raise SystemExit(main())
