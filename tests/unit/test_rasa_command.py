"""The Rasa command line that bot run starts: what Rasa's own parser makes of it."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.settings import Settings
from ops.stack import rasa_command


def test_a_jwt_secret_starting_with_a_dash_reaches_rasa_whole() -> None:
    from rasa.cli import run as rasa_run

    secret = "-9aB_cD-eF"  # secrets.token_urlsafe starts with "-" one time in 64
    command = rasa_command(Settings(), Path("models/m.tar.gz"), secret)
    parser = argparse.ArgumentParser()
    rasa_run.add_subparser(parser.add_subparsers(), parents=[])
    i = command.index("run")
    parsed = parser.parse_args(command[i:])
    assert parsed.jwt_secret == secret
