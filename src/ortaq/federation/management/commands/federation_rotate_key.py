"""`ortaq manage federation_rotate_key --overlap-days N`: a new node key signs from now on; the previous one
stays in the manifest, and valid, for N days so that peers pick up the new key when they next refresh."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from ortaq.federation import keys, services


class Command(BaseCommand):
    help = "Rotate this node's federation key, keeping the previous one valid for an overlap."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--overlap-days", type=int, default=7, help="days the previous key stays valid (default 7)")

    def handle(self, *args: object, **options: object) -> None:
        days = int(str(options["overlap_days"]))
        if days < 0:
            raise ValueError("--overlap-days cannot be negative")
        new = services.node_key_rotate(overlap=dt.timedelta(days=days))
        self.stdout.write(f"new key {keys.key_id(new)}; the previous one stays valid for {days} days")
        self.stdout.write(f"fingerprint SHA256:{keys.fingerprint_of(new.public_key_multibase)}")
