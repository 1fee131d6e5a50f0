"""`ortaq federation ...`: an operator's hands on the federation.

  peer add URL [--fingerprint SHA256]   fetch the node's manifest, print its key fingerprint, trust it
  peer list                             the trusted (and removed) peers
  peer remove URL                       stop all exchange with the node
  sync                                  refresh every peer's manifest and deliver the outbox now
  ping URL                              queue a connectivity check to a peer (delivered by the worker or `sync`)
  whoami                                this node's id and the fingerprint peers should pin
  registry keygen KEYFILE               a network operator's key (did:key; the file readable by its owner only)
  registry sign --key KEYFILE IN OUT    the operator signs a registry file (eddsa-jcs-2022)
  registry import FILE --operator-fingerprint SHA256
                                        trust every node a signed registry file lists, in one transaction
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ortaq.federation import keys, registry, selectors, services
from ortaq.federation.types import FederationError


class Command(BaseCommand):
    help = "Trust peer nodes and exchange with them (peer add|list|remove, sync, whoami, registry keygen|sign|import)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        peer = commands.add_parser("peer", help="trusted peer nodes").add_subparsers(dest="action", required=True)
        add = peer.add_parser("add", help="fetch a node's manifest and trust it")
        add.add_argument("url")
        add.add_argument("--fingerprint", help="SHA-256 of the node's current key, compared out of band")
        peer.add_parser("list", help="the peers")
        remove = peer.add_parser("remove", help="stop all exchange with a node")
        remove.add_argument("url")
        commands.add_parser("sync", help="refresh peers' manifests and deliver the outbox now")
        commands.add_parser("whoami", help="this node's id and key fingerprint")
        ping = commands.add_parser("ping", help="queue a connectivity check to a peer")
        ping.add_argument("url")
        ping.add_argument("--count", type=int, default=1, help="how many (each is its own message)")
        reg = commands.add_parser("registry", help="a network operator's signed registry file").add_subparsers(dest="action", required=True)
        keygen = reg.add_parser("keygen", help="make an operator key (did:key)")
        keygen.add_argument("keyfile")
        sign = reg.add_parser("sign", help="sign a registry file with the operator's key")
        sign.add_argument("--key", required=True, help="the operator's key file (from `registry keygen`)")
        sign.add_argument("infile")
        sign.add_argument("outfile")
        imported = reg.add_parser("import", help="verify a signed registry file and trust the nodes it lists")
        imported.add_argument("file")
        imported.add_argument("--operator-fingerprint", required=True, help="SHA-256 of the operator's key, compared out of band")

    def handle(self, *args: object, **options: object) -> None:
        try:
            getattr(self, f"_{options['command']}")(argparse.Namespace(**options))
        except FederationError as error:
            raise CommandError(f"{error} [{error.code}]") from error

    def _whoami(self, options: argparse.Namespace) -> None:
        key = keys.current_key()
        self.stdout.write(f"{keys.node_id()}  {selectors.node_name()}  key {keys.key_id(key)}")
        self.stdout.write(f"fingerprint SHA256:{keys.fingerprint_of(key.public_key_multibase)}")

    def _peer(self, options: argparse.Namespace) -> None:
        if options.action == "add":
            peer = services.peer_add(actor=None, url=options.url, fingerprint=options.fingerprint)
            listed, mirrored = len(peer.manifest.get("institutions") or []), peer.institutions.count()
            self.stdout.write(f"trusted {peer.node_id} ({peer.name}, {peer.country or '-'}): {mirrored} of its {listed} institutions in the registry")
            if options.fingerprint is None:
                self.stdout.write("not pinned to a fingerprint given in advance: compare it with the peer's operator")
            self.stdout.write(f"fingerprint SHA256:{peer.fingerprint}")
        elif options.action == "list":
            for peer in selectors.all_peers():
                state = f"removed {peer.removed_at:%Y-%m-%d %H:%M}" if peer.removed_at else "trusted"
                waiting, received = selectors.pending_outbox(peer).count(), peer.inbox.count()
                self.stdout.write(f"{peer.node_id}\t{peer.name}\t{peer.country or '-'}\t{state}\t{registry.trust_source(peer)}"
                                  f"\tSHA256:{peer.fingerprint}\t{waiting} waiting\t{received} received")
        else:
            found = selectors.peer_by_node(options.url)
            if found is None:
                raise CommandError(f"{options.url} is not a peer")
            services.peer_remove(actor=None, peer=found)
            self.stdout.write(f"removed {found.node_id}: nothing more is sent to it or accepted from it")

    def _ping(self, options: argparse.Namespace) -> None:
        peer = selectors.active_peers().filter(node_id=options.url.rstrip("/")).first()
        if peer is None:
            raise CommandError(f"{options.url} is not a trusted peer")
        for _ in range(max(1, options.count)):
            message = services.federation_ping(peer=peer)
            self.stdout.write(f"queued ping {message.message_id} to {peer.node_id}")

    def _sync(self, options: argparse.Namespace) -> None:
        failures = 0
        for peer in selectors.active_peers():
            try:
                services.peer_refresh(peer=peer)
            except FederationError as error:
                self.stderr.write(f"{peer.node_id}: manifest not refreshed: {error}")
            report = services.outbox_deliver(peer=peer, force=True)
            failures += bool(report.waiting)
            self.stdout.write(f"{peer.node_id}: {report.delivered} delivered, {report.rejected} rejected, {report.waiting} waiting")
        if failures:
            raise CommandError(f"{failures} peer(s) still have messages waiting")

    def _registry(self, options: argparse.Namespace) -> None:
        if options.action == "keygen":
            try:
                key = registry.operator_keygen(Path(options.keyfile))
            except FileExistsError as error:
                raise CommandError(f"{options.keyfile} exists; a key file is never overwritten") from error
            self.stdout.write(f"operator {key.controller}")
            self.stdout.write(f"fingerprint SHA256:{registry.operator_fingerprint(key)}")
        elif options.action == "sign":
            key = registry.load_operator_key(options.key)
            signed = registry.registry_sign(document=registry.registry_read(_read(options.infile)), key=key)
            Path(options.outfile).write_text(json.dumps(signed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"signed serial {signed['serial']} ({len(signed['nodes'])} nodes) as {key.controller}: {options.outfile}")
        else:
            report = registry.registry_import(actor=None, data=_read(options.file), operator_fingerprint=options.operator_fingerprint)
            for label, nodes in report.as_json().items():
                for node in nodes:
                    self.stdout.write(f"{label}: {node}")
            self.stdout.write(f"registry serial {report.serial} of {report.operator}: {len(report.added)} added, {len(report.updated)} updated, "
                              f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts")


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from error
