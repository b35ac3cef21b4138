"""One module per `reviewbot` command (see reviewbot/cli.py)."""
