"""The `wallboard` command line: argument parsing, logging, and clean failure.

Sub-commands live in `wallboard.commands`; this module only wires them up and
turns `WallboardError` into one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from wallboard import __version__
from wallboard.commands import (
    alerts,
    callbacks,
    demo,
    live,
    metrics,
    record,
    replay,
    report,
    serve,
    simulate,
    token,
    view,
    web,
)
from wallboard.errors import WallboardError

# Order is the order of `wallboard --help`.
COMMANDS: tuple[ModuleType, ...] = (
    demo,
    replay,
    live,
    view,
    metrics,
    callbacks,
    report,
    alerts,
    record,
    serve,
    token,
    web,
    simulate,
)

SOURCE_HELP = """\
SOURCE is one of:
  PATH                      a recording (written by `wallboard record`) or an
                            Asterisk queue_log file; the kind is detected by content
  ami://USER@HOST[:PORT]    a live Asterisk Manager Interface; the secret comes from
                            WALLBOARD_AMI_SECRET or [ami] secret in --config, never argv
  ws[s]://HOST:PORT[/NAME]  a `wallboard serve` hub (view, metrics, alerts); the token
                            comes from WALLBOARD_HUB_TOKEN or [hub] token in --config
"""


class _CommandParser(argparse.ArgumentParser):
    """A sub-command's parser, which asks its module for its arguments only once it is used.

    `wallboard --version` or `wallboard metrics ...` then never run the other
    commands' `add_arguments` (nor import what their options are made of).
    """

    def __init__(self, *args: Any, command: ModuleType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._command = command

    def _with_arguments(self) -> None:
        command, self._command = self._command, None
        if command is not None:
            command.add_arguments(self)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self._with_arguments()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self._with_arguments()
        return super().format_usage()

    def format_help(self) -> str:
        self._with_arguments()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wallboard",
        description="Real-time call-centre supervisor wallboard for the terminal.",
        epilog=SOURCE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wallboard {__version__}")
    _add_common_arguments(parser, verbose_dest="verbose", default=None)
    # The same options after the subcommand (`wallboard metrics FILE --config x.toml`):
    # there, an option not given must not undo one given before the subcommand.
    common = _CommandParser(add_help=False)
    _add_common_arguments(common, verbose_dest="verbose_after", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser
    )
    for module in COMMANDS:
        child = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
            command=module,
        )
        child.set_defaults(_module=module)
    return parser


def _add_common_arguments(
    parser: argparse.ArgumentParser, *, verbose_dest: str, default: object
) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="TOML configuration (engine settings, secrets)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        dest=verbose_dest,
        action="count",
        default=0,
        help="more log output (-vv for debug)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Only once a command runs: `--version` and `--help` end in the parser, before any logging.
    from wallboard.commands.log_setup import configure_logging, to_journal

    configure_logging(args.verbose + args.verbose_after)
    try:
        return int(args._module.run(args))
    except WallboardError as exc:
        print(f"<3>error: {exc}" if to_journal() else f"wallboard: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `wallboard alerts | head`: the reader left; that is not our failure.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
