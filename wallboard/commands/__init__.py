"""One module per `wallboard` sub-command, plus what several share.

Each command module defines `NAME`, `HELP`, `DESCRIPTION`, `add_arguments(parser)`
and `run(args) -> int`; `wallboard.cli` imports them all by name. Their top
level imports nothing heavy: Textual, websockets, httpx, apprise, msgpack and
the simulator are imported by the code that uses them, when the command runs,
so `wallboard metrics` or `wallboard --version` never pay for them
(`tests/test_cli.py` checks). `launch.py` holds the options and start-up the
board commands share, `metrics_table.py` the text output of `metrics`.
"""
