"""Platform sub-commands of `ortaq`: serve, worker, demo, manage."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path


def data_dir_prepare() -> Path:
    """Make the data folder and, unless SECRET_KEY or SECRET_KEY_FILE is set, its secret key (0600).

    Runs before Django reads the settings, which only read the key (importing settings writes nothing).
    The folder is worked out as settings.DATA_DIR is.
    """
    data_dir = Path(os.getenv("ORTAQ_DATA_DIR", Path.cwd() / "var")).resolve()
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # STATIC_ROOT: WhiteNoise expects it
    path = data_dir / "secret_key"
    if not (os.getenv("SECRET_KEY") or os.getenv("SECRET_KEY_FILE") or path.exists()):
        # Written aside and linked into place, so that a process starting at the same moment sees either
        # no key or the whole key, and only one key ever wins.
        draft = data_dir / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: claim the name, then fill it
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                os.replace(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
    return data_dir


def _setup() -> None:
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _demo_node(node: str | None) -> None:
    """`--node kz|cn`: before Django reads the settings, the node's name and country default to the demo node's
    (ORTAQ_NODE_NAME and ORTAQ_NODE_COUNTRY set by the operator win)."""
    if node is not None:
        from ortaq.demo import NODES

        country, name = NODES[node]
        os.environ.setdefault("ORTAQ_NODE_NAME", name)
        os.environ.setdefault("ORTAQ_NODE_COUNTRY", country)


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ortaq serve", description="Migrate the database and serve Ortaq.")
    parser.add_argument("--demo", action="store_true", help="load the demo data (idempotent) and allow plain HTTP on localhost")
    parser.add_argument("--host", default=os.getenv("ORTAQ_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.getenv("ORTAQ_PORT", "8000")))
    parser.add_argument("--threads", type=int, default=int(os.getenv("ORTAQ_THREADS", "8")))
    parser.add_argument("--no-worker", action="store_true", help="do not start a background-task worker beside the server")
    parser.add_argument("--node", choices=["kz", "cn"], help="with --demo: only that country's institutions and people (docs/federation.md)")
    args = parser.parse_args(argv)
    if args.node and not args.demo:
        parser.error("--node needs --demo")
    _demo_node(args.node)
    if args.demo:
        # The demo runs on http://127.0.0.1 without TLS: secure-only cookies would make sign-in impossible.
        os.environ.setdefault("ORTAQ_INSECURE_HTTP", "1")
    # Before Django reads the settings: unless SITE_ROOT names the public address, the settings name this
    # server by the address it listens on (credentials, QR codes, e-mails); the worker started below
    # inherits the same environment and so the same address.
    os.environ["ORTAQ_HOST"] = args.host
    os.environ["ORTAQ_PORT"] = str(args.port)
    _setup()
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    _migrate()
    if args.demo:
        from ortaq.demo import load_demo

        summary = load_demo(node=args.node)
        print(f"Demo data ready: {summary}. Demo logins are listed in README.md (password: ortaq-demo).", flush=True)
    from waitress import serve as waitress_serve

    from ortaq.wsgi import application

    worker_process = None
    if not args.no_worker:
        # One machine, one command: a worker process runs placement rounds and notifications beside the server.
        import subprocess

        worker_process = subprocess.Popen([sys.executable, "-m", "ortaq.cli", "worker"], env=os.environ.copy())
    print(f"Ortaq is serving at {settings.SITE_ROOT}/ (listening on {args.host}:{args.port}, data in {settings.DATA_DIR})", flush=True)
    try:
        waitress_serve(application, host=args.host, port=args.port, threads=args.threads, ident="ortaq")
    finally:
        if worker_process is not None:
            worker_process.terminate()
    return 0


def worker(argv: list[str]) -> int:
    _setup()
    _migrate()
    from django.core.management import call_command

    # db_worker with heartbeats: a task held by a worker that died is taken over (ortaq.jobs).
    call_command("ortaq_worker", *argv)
    return 0


def demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ortaq demo", description="Load the demo data (idempotent).")
    parser.add_argument("--node", choices=["kz", "cn"], help="only that country's institutions and people (docs/federation.md)")
    args = parser.parse_args(argv)
    _demo_node(args.node)
    _setup()
    _migrate()
    from ortaq.demo import load_demo

    print(f"Demo data ready: {load_demo(node=args.node)}")
    return 0


def manage(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ortaq manage", *argv])
    return 0


def federation(argv: list[str]) -> int:
    """`ortaq federation ...`: the `federation` management command on a migrated database."""
    _setup()
    _migrate()
    return manage(["federation", *argv])


def main(command: str, argv: list[str]) -> int:
    try:
        data_dir_prepare()
        return {"serve": serve, "worker": worker, "demo": demo, "manage": manage, "federation": federation}[command](argv)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a clear message for operators instead of a traceback
        if os.getenv("ORTAQ_DEBUG_CLI"):
            raise
        print(f"ortaq {command}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
