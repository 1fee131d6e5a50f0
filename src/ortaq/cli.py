"""The `ortaq` command.

Engine sub-commands (`match`, `credentials`, `align`) run without Django so that an operator can use
them on any machine with the wheel installed; platform sub-commands (`serve`, `worker`, `demo`,
`manage`) configure Django first. Each engine owns its own argument parsing in
`ortaq.engines.<engine>.cli.main(argv) -> int`, so the engines stay independent of this module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = """usage: ortaq <command> [options]

Platform:
  serve [--demo] [--host H] [--port P]   migrate, optionally load demo data, and serve the platform
  worker                                 run background tasks (django.tasks database queue)
  demo                                   load the demo data (idempotent)
  manage ARGS...                         any Django management command
  warmup [--check]                       compile the placement kernels now (serve also starts it in the background)
  federation peer add URL [--fingerprint SHA256] | peer list | peer remove URL | sync | whoami | registry keygen|sign|import
                                         trust peer nodes and exchange with them (docs/federation.md)

Engines (no database needed):
  match INSTANCE.json [-o RESULT.json]   placement engine (applicant-optimal stable placement)
  match --check INSTANCE.json RESULT.json
  credentials {keygen,sign,verify} ...   verifiable credentials (VC 2.0 / Open Badges 3.0)
"""

ENGINE_COMMANDS = {
    "match": "ortaq.engines.placement.cli",
    "credentials": "ortaq.engines.credentials.cli",
    "align": "ortaq.engines.alignment.cli",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in ENGINE_COMMANDS:
        import importlib

        try:
            module = importlib.import_module(ENGINE_COMMANDS[command])
        except ModuleNotFoundError:
            print(f"ortaq: the '{command}' engine is not installed in this build", file=sys.stderr)
            return 2
        return int(module.main(rest) or 0)
    if command == "warmup":
        from ortaq import warmup

        return warmup.main(rest)
    if command in {"serve", "worker", "demo", "manage", "federation"}:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ortaq.settings")
        from ortaq import platform_cli

        if command == "serve" and not {"-h", "--help"} & set(rest):
            from ortaq import warmup

            warmup.start_in_background()  # no 20 s compile on the first national round (ortaq/warmup.py)
        return int(platform_cli.main(command, rest) or 0)
    print(f"ortaq: unknown command '{command}'\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
