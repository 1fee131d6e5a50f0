"""`ortaq federation ...`: an operator's hands on the federation.

  peer add URL [--fingerprint SHA256]   fetch the node's manifest, print its key fingerprint, trust it
  peer list                             the trusted (and removed) peers
  peer remove URL                       stop all exchange with the node
  sync                                  refresh every peer's manifest and deliver the outbox now
  ping URL                              queue a connectivity check to a peer (delivered by the worker or `sync`)
  whoami                                this node's id and the fingerprint peers should pin
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ortaq.federation import keys, selectors, services
from ortaq.federation.types import FederationError


class Command(BaseCommand):
    help = "Trust peer nodes and exchange with them (peer add|list|remove, sync, whoami)."

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
                self.stdout.write(f"{peer.node_id}\t{peer.name}\t{peer.country or '-'}\t{state}\tSHA256:{peer.fingerprint}"
                                  f"\t{waiting} waiting\t{received} received")
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
