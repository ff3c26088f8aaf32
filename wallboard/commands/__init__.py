"""One module per `wallboard` sub-command.

Each module defines `NAME`, `HELP`, `DESCRIPTION`, `add_arguments(parser)` and
`run(args) -> int`; `wallboard.cli` lists them in `COMMANDS` and imports them
lazily so that `wallboard metrics` never pays for importing Textual.
"""
